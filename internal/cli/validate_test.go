package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const exampleCampaign = "../../examples/campaign.yaml"

func TestValidateExample(t *testing.T) {
	t.Parallel()
	got := stakeout(t, "campaign", "validate", exampleCampaign)
	want := outcome{Code: 0, Stdout: `campaign "retail-telecom-2026" (Retail and telecom, monthly benchmark): ` +
		"4 targets, 3 scenarios, 90 probes per run (chat 60, email 30), window 1mo from 2026-12-01T00:00:00Z, recurrence monthly\n"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stakeout campaign validate %s (-want +got):\n%s", exampleCampaign, diff)
	}
}

// badFiles are the malformed campaign files under testdata/bad, each with what it
// breaks. The problems each must give, exactly, are in testdata/bad/FILE.want.
var badFiles = []struct {
	file   string
	breaks string
}{
	{"syntax.yaml", "YAML syntax: a key indented one space too far"},
	{"unknown-field.yaml", "misspelt field names (jiter, chanels)"},
	{"password-literal.yaml", "a password written in the file instead of password_env"},
	{"timezone.yaml", "a time zone that does not exist"},
	{"missing-fields.yaml", "required fields left out at every level"},
	{"durations.yaml", "durations that do not parse, are negative or zero"},
	{"wrong-types.yaml", "a list, text, a fraction and a scalar where other kinds belong"},
	{"business-hours.yaml", "close before open, an unknown day, times out of range"},
	{"dangling-mailbox.yaml", "an email channel naming a mailbox that is not defined"},
	{"many-problems.yaml", "several semantic problems in one file, all listed"},
	{"empty.yaml", "an empty file"},
	{"binary.yaml", "binary garbage (NUL bytes, a PNG header)"},
	{"two-documents.yaml", "two YAML documents in one file"},
	{"not-a-mapping.yaml", "a top-level list instead of a mapping"},
}

// problemLine is the shape of every line validate prints for a bad file:
// FILE:LINE: field.path: what is wrong (the field path is absent for whole-file problems).
var problemLine = regexp.MustCompile(`^([^:]+):([1-9][0-9]*): (.+)$`)

func TestValidateBadFiles(t *testing.T) {
	t.Parallel()
	for _, tc := range badFiles {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.ToSlash(filepath.Join("testdata", "bad", tc.file))
			got := stakeout(t, "campaign", "validate", path)
			if got.Code != 1 || got.Stdout != "" {
				t.Errorf("stakeout campaign validate %s (%s) = exit %d, stdout %q; want exit 1, no stdout",
					path, tc.breaks, got.Code, got.Stdout)
			}
			stderr := relPaths(t, got.Stderr)
			for _, line := range strings.Split(strings.TrimSuffix(stderr, "\n"), "\n") {
				if m := problemLine.FindStringSubmatch(line); m == nil || m[1] != path {
					t.Errorf("problem line %q does not have the form %s:LINE: field.path: what is wrong", line, path)
				}
			}
			golden(t, path+".want", stderr)
		})
	}
}

// TestValidateBadFilesListed keeps badFiles and testdata/bad in step.
func TestValidateBadFilesListed(t *testing.T) {
	t.Parallel()
	onDisk, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range onDisk {
		onDisk[i] = filepath.Base(f)
	}
	var listed []string
	for _, tc := range badFiles {
		listed = append(listed, tc.file)
	}
	slices.Sort(onDisk)
	slices.Sort(listed)
	if diff := cmp.Diff(onDisk, listed); diff != "" {
		t.Errorf("files in testdata/bad (-want) and in badFiles (+got) differ:\n%s", diff)
	}
}

func TestValidateUnreadable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want outcome
	}{
		{
			args: []string{"campaign", "validate", "testdata/does-not-exist.yaml"},
			want: outcome{Code: 1, Stderr: "load campaign: open testdata/does-not-exist.yaml: no such file or directory\n"},
		},
		{
			args: []string{"campaign", "validate", "testdata"},
			want: outcome{Code: 1, Stderr: "load campaign: testdata: not a regular file (a directory)\n"},
		},
		{
			args: []string{"campaign", "validate"},
			want: outcome{Code: 2, Stderr: "stakeout: expected \"<file>\"\n"},
		},
		{
			args: []string{"campaign", "validate", "a.yaml", "b.yaml"},
			want: outcome{Code: 2, Stderr: "stakeout: unexpected argument b.yaml\n"},
		},
	}
	for _, tc := range tests {
		got := stakeout(t, tc.args...)
		got.Stderr = relPaths(t, got.Stderr)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("stakeout %s (-want +got):\n%s", strings.Join(tc.args, " "), diff)
		}
	}
}

// FuzzValidate checks that no file makes validate panic, and that it either accepts
// the file with a summary or rejects it with FILE:LINE problem lines.
func FuzzValidate(f *testing.F) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, exampleCampaign, filepath.Join("testdata", "small.yaml"))
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got := stakeout(t, "campaign", "validate", path)
		switch got.Code {
		case 0:
			if !strings.HasPrefix(got.Stdout, "campaign \"") || got.Stderr != "" {
				t.Errorf("validate accepted the file but printed stdout %q, stderr %q", got.Stdout, got.Stderr)
			}
		case 1:
			for _, line := range strings.Split(strings.TrimSuffix(got.Stderr, "\n"), "\n") {
				if m := problemLine.FindStringSubmatch(line); m == nil || m[1] != path {
					t.Errorf("problem line %q does not have the form %s:LINE: ...", line, path)
				}
			}
		default:
			t.Errorf("validate = exit %d, want 0 or 1; stderr:\n%s", got.Code, got.Stderr)
		}
	})
}
