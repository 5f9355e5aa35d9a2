package profile

import (
	"regexp"
	"time"

	"github.com/stakeoutcx/stakeout/internal/yamlcheck"
)

// FormatVersion is the version of the profile format this package reads.
const FormatVersion = 1

// Default timeouts, used for each timeouts field a profile leaves out.
const (
	DefaultPageLoad = 30 * time.Second
	DefaultWidget   = 20 * time.Second
	DefaultForm     = 10 * time.Second
	DefaultSend     = 10 * time.Second
)

// Profile describes one live-chat widget: how to open it, fill its pre-chat
// form, send a message and read its messages. See docs/widget-profiles.md.
type Profile struct {
	// File is the path the profile was parsed from.
	File string `yaml:"-"`
	// Name identifies the profile; campaign targets refer to it by name.
	Name string `yaml:"name"`
	// Version is the format version; 0 in the file means FormatVersion.
	Version int `yaml:"version"`
	// Description is free text for people.
	Description string `yaml:"description"`
	// Page says when the host page is ready and how to dismiss a cookie banner.
	Page Page `yaml:"page"`
	// Launcher is the button that opens the widget; nil when the widget is always open.
	Launcher *Launcher `yaml:"launcher"`
	// Frame lists the iframes (outermost first) and shadow roots holding the
	// widget; empty when the widget is in the page itself.
	Frame []Frame `yaml:"frame"`
	// Prechat is the form some widgets show before the conversation; nil when none.
	Prechat *Prechat `yaml:"prechat"`
	// Input is the message box.
	Input Selector `yaml:"input"`
	// Send says how a typed message is sent.
	Send Send `yaml:"send"`
	// Messages says where messages are and who wrote each.
	Messages Messages `yaml:"messages"`
	// Typing is the "agent is typing" indicator; nil when not described.
	Typing *Typing `yaml:"typing"`
	// Offline tells that the team is not available; nil when not described.
	Offline *Notice `yaml:"offline"`
	// Captcha is a challenge the probe cannot pass; nil when not described.
	Captcha *Captcha `yaml:"captcha"`
	// Timeouts bound each step; zero fields are filled with the Default values.
	Timeouts Timeouts `yaml:"timeouts"`
	// BotText are patterns of greetings and canned lines that are automated
	// even when the widget shows them as an agent's.
	BotText []Pattern `yaml:"bot_text"`
	// Viewport is the browser window the widget is opened in; zero fields
	// are filled with DefaultViewportWidth and DefaultViewportHeight.
	Viewport Viewport `yaml:"viewport"`
}

// Page describes the host page.
type Page struct {
	// Ready is an element whose presence means the page is usable. With
	// neither Ready nor ReadyScript, the page is usable after its load event.
	Ready Selector `yaml:"ready"`
	// ReadyScript is a JavaScript expression, evaluated in the page's own
	// world, that is true once the page is usable (its widget's script has
	// started, say). With Ready too, both must hold.
	ReadyScript Script `yaml:"ready_script"`
	// Consent is a cookie banner to dismiss when it appears; nil when none.
	Consent *Consent `yaml:"consent"`
}

// Consent is a cookie or consent banner.
type Consent struct {
	// Click is the button that dismisses the banner.
	Click Selector `yaml:"click"`
}

// Launcher is the button or bubble that opens the widget.
type Launcher struct {
	// Selector finds the launcher in the page.
	Selector Selector `yaml:"selector"`
	// Frame is the path from the top page to the document holding the
	// launcher (iframes and shadow roots, outermost first, as the profile's
	// Frame); empty when the launcher is in the page itself. One iframe
	// selector alone is the older form of the field.
	Frame Path `yaml:"frame"`
	// Optional means the widget may already be open, so a missing launcher is not an error.
	Optional bool `yaml:"optional"`
}

// Path is a list of steps from the top page into a document: iframes and
// shadow roots, outermost first. In a file it is a list, one mapping, or
// (launcher.frame only) one iframe selector.
type Path []Frame

// Frame is one step into the widget: an iframe (Selector) or an element
// whose open shadow root holds the rest (Shadow). Exactly one is set.
type Frame struct {
	// Selector finds the iframe element.
	Selector Selector `yaml:"selector"`
	// Shadow finds the shadow host element.
	Shadow Selector `yaml:"shadow"`
}

// Prechat is a form to fill before chatting.
type Prechat struct {
	// Form is the form element; its appearance means the pre-chat form is shown.
	Form Selector `yaml:"form"`
	// Optional means the form may not appear at all (e.g. only out of hours).
	Optional bool `yaml:"optional"`
	// Fields are filled in order.
	Fields []Field `yaml:"fields"`
	// Submit is the button that sends the form.
	Submit Selector `yaml:"submit"`
	// Rejected tells that the widget refused the form (e.g. a validation error).
	Rejected *Notice `yaml:"rejected"`
}

// Field types.
const (
	FieldText     = "text"
	FieldSelect   = "select"
	FieldCheckbox = "checkbox"
)

// Field is one input of the pre-chat form.
type Field struct {
	// Selector finds the input within the form.
	Selector Selector `yaml:"selector"`
	// Value is a Template; for a checkbox "true" (the default) or "false".
	Value Template `yaml:"value"`
	// Type is FieldText (the default), FieldSelect or FieldCheckbox.
	Type string `yaml:"type"`
	// Optional means a missing field is skipped instead of failing the form.
	Optional bool `yaml:"optional"`
}

// Send is how a message is sent: clicking Selector, or pressing Key in the input.
// Exactly one is set.
type Send struct {
	// Selector is the send button.
	Selector Selector `yaml:"selector"`
	// Key is a key pressed in the input: one of SendKeys.
	Key string `yaml:"key"`
}

// SendKeys are the keys Send.Key accepts.
var SendKeys = []string{"Enter", "Ctrl+Enter", "Meta+Enter"}

// Messages describes the message list.
type Messages struct {
	// Container holds every message item.
	Container Selector `yaml:"container"`
	// Item is one message, within Container.
	Item Selector `yaml:"item"`
	// Text is the element within an item holding its text; empty means the whole item.
	Text Selector `yaml:"text"`
	// Ours matches the messages we sent.
	Ours *Matcher `yaml:"ours"`
	// Agent matches messages of a person answering; required.
	Agent *Matcher `yaml:"agent"`
	// Bot matches automated messages.
	Bot *Matcher `yaml:"bot"`
	// System matches notices such as "Anna joined the chat".
	System *Matcher `yaml:"system"`
	// DefaultAuthor is the author of a message no matcher accepts: one of
	// DefaultAuthors; empty means such messages are unknown (never answers).
	DefaultAuthor string `yaml:"default_author"`
}

// DefaultAuthors are the values Messages.DefaultAuthor accepts.
var DefaultAuthors = []string{"agent", "bot", "system"}

// Matcher tells elements apart; every condition set must hold.
type Matcher struct {
	// Selector must match the item, an ancestor of it inside the container, or a descendant.
	Selector Selector `yaml:"selector"`
	// Text must match the text.
	Text Pattern `yaml:"text"`
	// Attribute must be present on the item, with a value matching its pattern.
	Attribute *Attribute `yaml:"attribute"`
}

// Attribute matches an HTML attribute of an item.
type Attribute struct {
	// Name of the attribute, e.g. data-author.
	Name string `yaml:"name"`
	// Pattern the value must match; empty means the attribute need only be present.
	Pattern Pattern `yaml:"pattern"`
}

// Notice is something the widget shows, such as an offline or error message.
// It is shown when an element matching Selector, anywhere in the widget, has
// text matching Text; with no Selector, when the widget's text matches Text;
// with no Text, when an element matching Selector is shown.
type Notice struct {
	// Selector finds the notice's element.
	Selector Selector `yaml:"selector"`
	// Text must match the element's text (or the widget's, without Selector).
	Text Pattern `yaml:"text"`
}

// Typing is the typing indicator.
type Typing struct {
	// Selector finds the indicator while it is shown.
	Selector Selector `yaml:"selector"`
}

// Captcha is a challenge shown to suspected robots.
type Captcha struct {
	// Selector finds the challenge.
	Selector Selector `yaml:"selector"`
}

// Timeouts bound the steps of a conversation.
type Timeouts struct {
	// PageLoad bounds loading the page until Page.Ready. Default DefaultPageLoad.
	PageLoad Duration `yaml:"page_load"`
	// Widget bounds finding the launcher and the input. Default DefaultWidget.
	Widget Duration `yaml:"widget"`
	// Form bounds the pre-chat form from appearing to accepted. Default DefaultForm.
	Form Duration `yaml:"form"`
	// Send bounds typing and sending our message until it shows. Default DefaultSend.
	Send Duration `yaml:"send"`
}

// The default viewport, a common desktop screen, and the sizes a profile may
// ask for.
const (
	DefaultViewportWidth  = 1366
	DefaultViewportHeight = 768
	MinViewportWidth      = 320
	MaxViewportWidth      = 3840
	MinViewportHeight     = 240
	MaxViewportHeight     = 2160
)

// Viewport is the size of the browser window, in CSS pixels.
type Viewport struct {
	// Width of the window. Default DefaultViewportWidth.
	Width int `yaml:"width"`
	// Height of the window. Default DefaultViewportHeight.
	Height int `yaml:"height"`
}

// Duration is a time.Duration written as a Go duration string ("15s", "1m30s"):
// the one duration type of stakeout's formats (see yamlcheck.Duration).
type Duration = yamlcheck.Duration

// Selector is a CSS selector, checked for plausible syntax when parsed.
type Selector string

// Script is a JavaScript expression, checked for plausible syntax when
// parsed (one expression, brackets and quotes balanced).
type Script string

// Template is a value with {{variables}}, checked when parsed; see Render.
type Template string

// Pattern is an RE2 regular expression, compiled when parsed. The zero
// Pattern is unset and matches everything.
type Pattern struct {
	re *regexp.Regexp
}

// MustPattern compiles expr, panicking when it is not valid; for tests and
// programs that build profiles by hand.
func MustPattern(expr string) Pattern {
	return Pattern{re: regexp.MustCompile(expr)}
}

// IsZero reports whether p is unset.
func (p Pattern) IsZero() bool { return p.re == nil }

// String returns the expression as written.
func (p Pattern) String() string {
	if p.re == nil {
		return ""
	}
	return p.re.String()
}

// Regexp returns the compiled expression, nil when p is unset.
func (p Pattern) Regexp() *regexp.Regexp { return p.re }

// MatchString reports whether s matches p; an unset p matches everything.
func (p Pattern) MatchString(s string) bool {
	return p.re == nil || p.re.MatchString(s)
}
