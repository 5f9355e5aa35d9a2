// Package profile is the widget profile: a declarative YAML description of a
// live-chat widget that lets the chat probe hold a conversation in a widget it
// has no Go code for.
//
// A profile (documented in docs/widget-profiles.md, examples in
// examples/widgets) says how to get the widget ready (page, consent banner,
// launcher, the iframes or shadow roots holding it), how to fill its pre-chat
// form from the shopper's persona, where to type and how to send, and how to
// read its messages: the list, each item, and who wrote it (us, an agent, a
// bot, the system), with typing, offline and captcha signs and a timeout for
// each step.
//
// Load and Parse decode a file strictly (an unknown field is an error, with a
// did-you-mean), check every selector's syntax, compile every regular
// expression (RE2), check every template's variables and fill defaults. A file
// with problems gives a *ValidationError listing all of them at once, each as
// "FILE:LINE: field.path: what is wrong":
//
//	p, err := profile.Load("examples/widgets/iframe-launcher.yaml")
//	if err != nil {
//		fmt.Fprintln(os.Stderr, err) // every problem, one per line
//		return 1
//	}
//	email := p.Render("{{persona.email}}", profile.Vars{PersonaEmail: "jo@probes.example"})
//
// This package only describes widgets; driving a browser with a profile is
// the chat probe's job.
package profile
