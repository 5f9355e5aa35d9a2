package campaign_test

import (
	"fmt"

	"github.com/stakeoutcx/stakeout/internal/campaign"
)

func ExampleParse() {
	src := `id: demo
name: Demo
schedule:
  start: 2026-12-01T00:00:00Z
  window: 10m
  probes_per_target: {chat: 2}
scenarios:
  - {id: hello, message: "Hi, are you open on Sundays?", persona: {name: Jo}}
targets:
  - id: acme
    name: Acme
    industry: retail
    timezone: Europe/Paris
    channels: {chat: {url: "https://acme.example/help", profile: generic}}
`
	c, err := campaign.Parse("demo.yaml", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Summary())
	fmt.Println(c.Pacing.MaxInFlight, c.Deadlines.Chat.D())
	// Output:
	// campaign "demo" (Demo): 1 target, 1 scenario, 2 probes per run (chat 2), window 10m0s from 2026-12-01T00:00:00Z, recurrence none
	// 1 20m0s
}

func ExampleValidationError() {
	src := `id: Demo
schedule:
  start: tomorrow
  window: 10m
  probes_per_target: {chat: 2}
targets: []
`
	_, err := campaign.Parse("demo.yaml", []byte(src))
	fmt.Println(err)
	// Output:
	// demo.yaml:1: id: "Demo" is not a valid id: use a-z, 0-9, "-" and "_", starting with a letter or digit
	// demo.yaml:1: scenarios: required: at least one scenario
	// demo.yaml:3: schedule.start: want an RFC 3339 timestamp such as 2026-12-01T00:00:00Z, got "tomorrow"
	// demo.yaml:6: targets: required: at least one target
}
