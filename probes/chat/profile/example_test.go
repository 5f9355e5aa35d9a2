package profile_test

import (
	"fmt"

	"github.com/stakeoutcx/stakeout/probes/chat/profile"
)

func ExampleParse() {
	src := `
name: acme-chat
launcher: {selector: button.chat-open}
frame: {selector: "iframe#chat"}
prechat:
  form: form.start
  fields:
    - {selector: "input[name=email]", value: "{{persona.email}}"}
  submit: form.start button
input: textarea
send: {key: Enter}
messages:
  container: .log
  item: .msg
  agent: {selector: .from-agent}
`
	p, err := profile.Parse("acme.yaml", []byte(src))
	if err != nil {
		fmt.Println(err)
		return
	}
	field := p.Prechat.Fields[0]
	fmt.Println(p.Name, p.Timeouts.Widget.D())
	fmt.Println(field.Selector, "=", p.Render(string(field.Value), profile.Vars{PersonaEmail: "jo@probes.example"}))
	// Output:
	// acme-chat 20s
	// input[name=email] = jo@probes.example
}

func ExampleParse_problems() {
	src := `
name: acme-chat
input: "textarea["
sned: {key: Enter}
messages: {container: .log, item: .msg, agent: {text: "(?i)agent("}}
`
	_, err := profile.Parse("acme.yaml", []byte(src))
	fmt.Println(err)
	// Output:
	// acme.yaml:2: send: required: selector (a button to click) or key (one of Enter, Ctrl+Enter, Meta+Enter)
	// acme.yaml:3: input: bad CSS selector "textarea[": unclosed '['
	// acme.yaml:4: sned: unknown field "sned" (did you mean "send"?)
	// acme.yaml:5: messages.agent.text: bad regular expression "(?i)agent(": missing closing ): `(?i)agent(`
}
