// Package sim is the simulator mail desk behind `stakeout sim`: fake companies
// whose support desks answer probe emails, with a known truth, so that the email
// probe's accuracy is a number a test can check.
//
// A Sim runs, on loopback TCP, an SMTP submission server (go-smtp) and an IMAP
// server (go-imap v2 imapserver with its in-memory backend) hosting the probe
// mailboxes. Probes authenticate as a mailbox (AUTH PLAIN or LOGIN) and send to
// a company's support address. For each probe mail and company the simulator
// draws, deterministically from the seed, the company id and the Message-ID,
// whether and when to answer: an acknowledgement in the company's style
// (RFC 3834, Zendesk, Freshdesk or plain wording), a human reply after a
// log-normal delay, or only an out-of-office auto-reply. One scheduler goroutine
// delivers the replies at their time into the INBOX of the mailbox the probe's
// Reply-To (or From) belongs to, with INTERNALDATE set to the intended time, and
// every receipt, decision and delivery is appended to a JSONL truth log.
//
// Companies with a chat section also get a web site (Sim.ChatURL) with a live
// chat widget in one of two styles matching the profiles in examples/widgets/:
// a launcher opening a cross-origin iframe with a pre-chat form, talking over
// HTTP long polling ("iframe"), or a box in the page talking over a WebSocket
// ("inline"). Agents show typing and answer after delays drawn from the seed,
// the company id and the conversation id, within their hours; the truth log
// records when each visitor message was read and when each answer's bytes
// were written to the browser (chat_received, chat_message, chat_no_reply,
// chat_opened).
//
// The config file is documented in docs/sim.md, with an example in
// examples/sim.yaml:
//
//	cfg, err := sim.Load("examples/sim.yaml")
//	if err != nil {
//		return err // every problem as FILE:LINE: path: what is wrong
//	}
//	s, err := sim.New(cfg, logger)
//	if err != nil {
//		return err
//	}
//	if err := s.Start(ctx); err != nil {
//		return err
//	}
//	defer s.Close()
//	logger.Info("sim up", "smtp", s.SMTPAddr(), "imap", s.IMAPAddr())
//	<-ctx.Done()
package sim
