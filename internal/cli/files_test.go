package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A campaign's profile path must lie in --profile-dir (default: the campaign's own
// directory); a file that is not a profile is not quoted: validate printed every
// line of /etc/shadow.
func TestValidateProfileDir(t *testing.T) {
	base := t.TempDir()
	dir, widgets := filepath.Join(base, "campaigns"), filepath.Join(base, "widgets")
	for _, d := range []string{dir, widgets} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	src, err := os.ReadFile(smallCampaign)
	if err != nil {
		t.Fatal(err)
	}
	write := func(path, content string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	camp := func(name, profile string) string {
		path := filepath.Join(dir, name)
		write(path, strings.ReplaceAll(string(src), "profile: generic-widget", "profile: "+profile))
		return path
	}
	write(filepath.Join(widgets, "acme.yaml"), "name: acme\ninput: textarea\nsend: {key: Enter}\nmessages: {container: .log, item: .msg, agent: {selector: .agent}}\n")
	write(filepath.Join(dir, "shadow.yaml"), "root:$6$salt$SECRETHASH:19000:0:99999:7:::\n")
	outside := camp("outside.yaml", "../widgets/acme.yaml")
	shadow := camp("shadow-profile.yaml", "shadow.yaml")

	got := stakeout(t, "campaign", "validate", outside)
	if got.Code != 1 || !strings.Contains(got.Stderr, "is outside the directory widget profiles are read from ("+dir+")") {
		t.Errorf("validate with a profile outside = %+v, want exit 1 naming the directory", got)
	}
	got = stakeout(t, "campaign", "validate", "--profile-dir", base, outside)
	if got.Code != 0 {
		t.Errorf("validate --profile-dir %s = %+v, want exit 0", base, got)
	}
	t.Setenv("STAKEOUT_PROFILE_DIR", widgets)
	if got = stakeout(t, "campaign", "plan", outside); got.Code != 0 {
		t.Errorf("plan with STAKEOUT_PROFILE_DIR = %+v, want exit 0", got)
	}
	got = stakeout(t, "campaign", "validate", "--profile-dir", dir, shadow)
	if got.Code != 1 || strings.Contains(got.Stderr, "SECRET") || !strings.Contains(got.Stderr, "not a widget profile") {
		t.Errorf("validate with a non-profile = %+v, want exit 1 without its content", got)
	}
}

// campaign plan of 10^8 probes per target ran out of memory (10^12: a makeslice
// panic) although validate accepted the file; both now refuse it.
func TestPlanHugeCampaign(t *testing.T) {
	src, err := os.ReadFile(smallCampaign)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"100000000", "1000000000000"} {
		path := filepath.Join(t.TempDir(), "huge.yaml")
		huge := strings.Replace(string(src), "chat: 5", "chat: "+n, 1)
		huge = strings.Replace(huge, "min_gap: 30s", "min_gap: 0s", 1)
		if err := os.WriteFile(path, []byte(huge), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"validate", "plan"} {
			got := stakeout(t, "campaign", cmd, path)
			if got.Code != 1 || !strings.Contains(got.Stderr, "schedule.probes_per_target.chat: too many: "+n) {
				t.Errorf("campaign %s with %s probes per target = %+v, want exit 1: too many", cmd, n, got)
			}
		}
	}
}
