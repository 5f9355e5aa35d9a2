package sim_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/stakeoutcx/stakeout/internal/sim"
)

func ExampleParse() {
	cfg, err := sim.Parse("sim.yaml", []byte(`
mailboxes:
  - {address: shopper@probe.test, password: fake}
companies:
  - id: acme
    address: support@acme.example
    ack: {enabled: true, style: zendesk}
    reply: {median: 2h, p90: 8h}
    colour: red
`))
	fmt.Println(err)
	fmt.Println(len(cfg.Companies))
	// Output:
	// sim.yaml:9: companies[0].colour: unknown field "colour" (want one of ack, address, agent_name, answers, changes, chat, id, name, no_reply_rate, out_of_office, reply, reply_from, threading, timezone)
	// 0
}

func ExampleSim() {
	dir, _ := os.MkdirTemp("", "sim-example")
	defer os.RemoveAll(dir)
	cfg := sim.Config{
		Mailboxes: []sim.Mailbox{{Address: "shopper@probe.test", Password: "fake"}},
		TruthLog:  filepath.Join(dir, "truth.jsonl"),
		Companies: []sim.Company{{
			ID: "acme", Address: "support@acme.example",
			Ack:   sim.Ack{Enabled: true},
			Reply: sim.Reply{Median: sim.Duration(100 * time.Millisecond)},
		}},
	}
	s, err := sim.New(cfg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := s.Start(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	msg := "From: shopper@probe.test\r\nMessage-ID: <stk-abcdefghijkl@probe.test>\r\n" +
		"Subject: Hello (ref stk-abcdefghijkl)\r\n\r\nDo you ship to Canada?\r\n"
	// Plain-text submission: the simulator offers no STARTTLS, so
	// smtp.SendMail (which insists on it) is not used.
	c, err := smtp.Dial(s.SMTPAddr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	err = c.Auth(sasl.NewPlainClient("", "shopper@probe.test", "fake"))
	if err == nil {
		err = c.SendMail("shopper@probe.test", []string{"support@acme.example"}, bytes.NewReader([]byte(msg)))
	}
	c.Close()
	if err != nil {
		fmt.Println(err)
		return
	}
	// Wait for the replies: each delivery writes a truth record.
	for written := s.TruthWritten(); s.Pending() > 0; written = s.TruthWritten() {
		<-written
	}
	s.Close()
	f, _ := os.Open(cfg.TruthLog)
	defer f.Close()
	recs, _ := sim.ReadTruth(f)
	for _, r := range recs {
		fmt.Println(r.Kind, r.Company, r.Token, r.Mailbox)
	}
	// Output:
	// received acme stk-abcdefghijkl shopper@probe.test
	// ack acme stk-abcdefghijkl shopper@probe.test
	// human acme stk-abcdefghijkl shopper@probe.test
}
