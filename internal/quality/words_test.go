package quality

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCollectWords(t *testing.T) {
	tests := []struct {
		name  string
		rules Rules
		body  string
		want  []string
	}{
		{"sentence starts are checked", Rules{}, "Hello there. Thanks! Why? Ok\nNext line", []string{"Hello", "there", "Thanks", "Why", "Ok", "Next", "line"}},
		{"proper nouns mid-sentence are not", Rules{}, "We ship with FedEx and Royal Mail.", []string{"We", "ship", "with", "and"}},
		{"opening quotes keep a sentence start", Rules{}, `He left. "Maybe (Later) tomorrow"`, []string{"He", "left", "Maybe", "tomorrow"}},
		{"acronyms", Rules{}, "the UPS and NASA teams, OK", []string{"the", "and", "teams"}},
		{"one letter and digits", Rules{}, "a b I 2nd COVID-19 x86 foo_bar 30 days", []string{"days"}},
		{"hyphens split", Rules{}, "state-of-the-art e-mail X-ray", []string{"state", "of", "the", "art", "mail", "ray"}},
		{"hyphens at the edges are not part of a word", Rules{}, "-well- --and", []string{"well", "and"}},
		{"apostrophes", Rules{}, "it's the company’s 'own' rock'n'roll", []string{"it's", "the", "company's", "own", "rock'n'roll"}},
		{"links and addresses", Rules{}, "see https://zorblax.example/a-b?c=d, www.zorblax.example, mailto:x@y.z, help@zorblax.example or zorblax.com/path now",
			[]string{"see", "or", "now"}},
		{"a link keeps its sentence end", Rules{}, "go to https://x.example/a. Then wait", []string{"go", "to", "Then", "wait"}},
		{"ignore and persona, any case", Rules{Ignore: []string{"Zorblax", "wi-fi"}, Persona: "Jane Van-Doe"},
			"zorblax wi-fi jane van doe zorblaxes", []string{"zorblaxes"}},
		{"unicode letters", Rules{}, "Zürich naïve café", []string{"Zürich", "naïve", "café"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, w := range collectWords(tt.rules, []answerText{{body: tt.body}}) {
				got = append(got, w.text)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("collectWords(%q) (-want +got):\n%s", tt.body, diff)
			}
		})
	}
}

func TestGreeting(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hi Jane,", "Hi"},
		{"  \n hello there", "hello"},
		{"HEY!", "HEY"},
		{"Dear Ms Doe,", "Dear"},
		{"Good  morning Jane", "Good  morning"},
		{"good afternoon", "good afternoon"},
		{"Good evening.", "Good evening"},
		{"Greetings from Zorblax", "Greetings"},
		{"Welcome to support!", "Welcome"},
		{"Howdy", "Howdy"},
		{"Thanks for contacting us.", "Thanks for contacting"},
		{"Thank you for reaching out.", "Thank you for reaching out"},
		{"thank you for your enquiry", "thank you for your enquiry"},
		{"Thanks for your patience!", "Thanks for your patience"},
		{"Hiya", ""},
		{"Hellooo", ""},
		{"Thanks for the info", ""},
		{"Thank you", ""},
		{"Good day", ""},
		{"Your order. Hello", ""},
		{"", ""},
	}
	for _, tt := range tests {
		c := greetingCheck([]answerText{{text: tt.in}})
		if c.Span != tt.want || c.Passed != (tt.want != "") {
			t.Errorf("greeting(%q) = %q passed %v, want %q", tt.in, c.Span, c.Passed, tt.want)
		}
	}
}

func TestSignOff(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Yes.\n\nKind regards,\nSam", "Kind regards,"},
		{"Yes.\nBest\nSam", "Best"},
		{"Yes.\n  cheers!  \n", "cheers!"},
		{"Thanks, we will.\nMany thanks,\nSam", "Many thanks,"},
		{"Yes.\nTake care", "Take care"},
		{"Yours truly,\n1\n2\n3\n4\n5", "Yours truly,"},
		{"Yours truly,\n1\n2\n3\n4\n5\n6", ""},
		{"Yours truly,\n\n1\n\n2\n3\n\n4\n5\n\n", "Yours truly,"},
		{"Bestselling items ship fast.", ""},
		{"Sam", ""},
	}
	for _, tt := range tests {
		if got := signOff(tt.in); got != tt.want {
			t.Errorf("signOff(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNameCheck(t *testing.T) {
	tests := []struct{ persona, text, want string }{
		{"Jane Doe", "Hi Jane,", "Jane"},
		{"Jane Doe", "hi JANE's order", "JANE"},
		{"Jane Doe", "Janet, hi", ""},
		{"Jane Doe", "Mary-Jane", "Jane"},
		{"Jane Doe", "Doe", ""},
		{"  Zoë  ", "Bonjour Zoë!", "Zoë"},
		{"Jo.", "Hi Jo", "Jo"},
		{"J.R. Smith", "Hi J.R", "J.R"},
	}
	for _, tt := range tests {
		c := nameCheck(tt.persona, []answerText{{text: tt.text}})
		if c.Span != tt.want || c.Passed != (tt.want != "") {
			t.Errorf("name(%q, %q) = %q passed %v, want %q", tt.persona, tt.text, c.Span, c.Passed, tt.want)
		}
	}
	if c := nameCheck(" ", []answerText{{text: "x"}}); !c.Skipped {
		t.Errorf("name(%q) not skipped", " ")
	}
}
