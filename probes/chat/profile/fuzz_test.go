package profile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that Parse never panics, that it fails only with a
// *ValidationError holding problems, and that a profile it accepts has what
// a probe needs and renders its templates.
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(goodFile))
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte(minimal + "frame: {selector: 'a[b=\"]\"]', shadow: x}\n"))
	files, _ := filepath.Glob(filepath.Join("..", "..", "..", "examples", "widgets", "*.yaml"))
	for _, file := range files {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Parse() error = %T %v, want a *ValidationError with problems", err, err)
			}
			return
		}
		if p.Input == "" || p.Messages.Container == "" || p.Messages.Item == "" || (p.Messages.Agent == nil && p.Messages.DefaultAuthor != "agent") {
			t.Fatalf("Parse() accepted a profile without input or messages: %+v", p)
		}
		if p.Send.Selector == "" && p.Send.Key == "" {
			t.Fatalf("Parse() accepted a profile without a way to send")
		}
		if checkScript(string(p.Page.ReadyScript)) != "" && p.Page.ReadyScript != "" {
			t.Fatalf("Parse() accepted the script %q", p.Page.ReadyScript)
		}
		if v := p.Viewport; v.Width < MinViewportWidth || v.Width > MaxViewportWidth || v.Height < MinViewportHeight || v.Height > MaxViewportHeight {
			t.Fatalf("Parse() accepted a viewport of %dx%d", v.Width, v.Height)
		}
		for _, d := range []Duration{p.Timeouts.PageLoad, p.Timeouts.Widget, p.Timeouts.Form, p.Timeouts.Send} {
			if d <= 0 {
				t.Fatalf("Parse() accepted a timeout of %v", d.D())
			}
		}
		if p.Prechat != nil {
			for _, fl := range p.Prechat.Fields {
				_ = p.Render(string(fl.Value), Vars{PersonaName: "Jo Smith"})
			}
		}
	})
}
