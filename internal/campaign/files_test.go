package campaign

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const validProfile = "name: acme\ninput: textarea\nsend: {key: Enter}\nmessages: {container: .log, item: .msg, agent: {selector: .agent}}\n"

// shadow is a file that is no profile but parses as a YAML mapping, each line a key.
const shadow = "root:$6$salt$SECRETHASH:19000:0:99999:7:::\nbob:$6$salt$OTHERSECRET:19000:0:99999:7:::\n"

// withProfile writes a campaign whose one target uses profile ref into dir and
// loads it with o; it returns the problems (nil when valid) and the campaign.
func withProfile(t *testing.T, dir, ref string, o Options) (string, *Campaign) {
	t.Helper()
	src := okID + okSchedule + okScenario + "targets:\n" +
		"  - {id: t, name: T, industry: retail, timezone: UTC, channels: {chat: {url: \"https://t.example\", profile: \"" + ref + "\"}}}\n"
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadWith(context.Background(), file, o)
	if err != nil {
		return err.Error(), nil
	}
	return "", c
}

// Files a campaign names are read only when regular, inside the profile directory,
// and are not quoted unless they are profiles: /dev/zero ran validate out of memory,
// a FIFO blocked it forever, and /etc/shadow was printed line by line.
func TestProfileFiles(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "campaigns")
	other := filepath.Join(base, "elsewhere")
	for _, d := range []string{dir, other, filepath.Join(dir, "widgets")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, "widgets", "acme.yaml"), validProfile)
	write(filepath.Join(dir, "shadow.yaml"), shadow)
	write(filepath.Join(other, "acme.yaml"), validProfile)
	write(filepath.Join(other, "shadow"), shadow)
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(other, "shadow"), filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	const at = "c.yaml:5: targets[0].channels.chat.profile: "
	tests := []struct {
		name, ref string
		o         Options
		want      string // a part of the problem; "" when valid
	}{
		{"inside", "widgets/acme.yaml", Options{}, ""},
		{"inside, absolute", filepath.Join(dir, "widgets", "acme.yaml"), Options{}, ""},
		{"dev zero", "/dev/zero", Options{ProfileDir: "/dev"}, "not a regular file (a device)"},
		{"dev urandom", "/dev/urandom", Options{ProfileDir: "/dev"}, "not a regular file (a device)"},
		{"fifo", "fifo.yaml", Options{}, "not a regular file (a named pipe)"},
		{"dot dot", "../elsewhere/acme.yaml", Options{}, "is outside the directory widget profiles are read from"},
		{"absolute outside", "/etc/passwd", Options{}, "is outside the directory widget profiles are read from"},
		{"symlink out", "link.yaml", Options{}, "is outside the directory widget profiles are read from"},
		{"profile dir chosen", "../elsewhere/acme.yaml", Options{ProfileDir: other}, ""},
		{"not a profile", "shadow.yaml", Options{}, "not a widget profile: none of its top-level keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, c := withProfile(t, dir, tt.ref, tt.o)
			if strings.Contains(got, "SECRET") {
				t.Errorf("problems quote the file:\n%s", got)
			}
			if tt.want == "" {
				if got != "" || c.Targets[0].Channels.Chat.ProfileSource != validProfile {
					t.Fatalf("LoadWith(profile %s) = %s, want the profile read", tt.ref, got)
				}
				return
			}
			if !strings.Contains(got, at) || !strings.Contains(got, tt.want) {
				t.Errorf("LoadWith(profile %s) problems:\n%s\nwant %q at %s", tt.ref, got, tt.want, at)
			}
		})
	}
}

// The campaign file itself is read only when regular (not blocking on a FIFO) and
// no larger than MaxFileBytes; another kind of file is not quoted.
func TestLoadHostileCampaignFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "c.yaml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sh := filepath.Join(dir, "shadow")
	if err := os.WriteFile(sh, []byte(shadow), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fifo:        "not a regular file (a named pipe)",
		"/dev/zero": "not a regular file (a device)",
		sh:          sh + ":1: not a campaign file: none of its top-level keys is one of the campaign fields",
	} {
		_, err := LoadWith(context.Background(), path, Options{})
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("LoadWith(%s) = %v, want an error with %q", path, err, want)
		}
	}
}

// NoProfiles parses a campaign whose profile files are gone (a top-up planning from the
// YAML kept at launch, on another machine) and leaves their source empty.
func TestNoProfiles(t *testing.T) {
	dir := t.TempDir()
	if msg, _ := withProfile(t, dir, "widgets/gone.yaml", Options{}); !strings.Contains(msg, "cannot read the widget profile") {
		t.Fatalf("a missing profile: %q, want it refused", msg)
	}
	msg, c := withProfile(t, dir, "widgets/gone.yaml", Options{NoProfiles: true})
	if msg != "" || c.Targets[0].Channels.Chat.ProfileSource != "" {
		t.Errorf("with NoProfiles: %q, %+v; want it parsed without the profile", msg, c)
	}
}
