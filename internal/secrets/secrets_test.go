package secrets

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stakeoutcx/stakeout/internal/campaign"
)

const secret = "s3cr3t pass"

func TestPassword(t *testing.T) {
	dir := t.TempDir()
	t.Cleanup(SetDir(dir))
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("STAKEOUT_TEST_SMTP_PASSWORD", secret)
	t.Setenv("STAKEOUT_TEST_EMPTY", "")
	lf := write("lf", secret+"\n")
	crlf := write("crlf", secret+"\r\n")
	bare := write("bare", secret)
	empty := write("empty", "")
	newline := write("newline", "\n")
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		name    string
		server  campaign.Server
		want    string
		wantErr string
	}{
		{"env", campaign.Server{PasswordEnv: "STAKEOUT_TEST_SMTP_PASSWORD"}, secret, ""},
		{"env unset", campaign.Server{PasswordEnv: "STAKEOUT_TEST_UNSET"}, "", "password: environment variable STAKEOUT_TEST_UNSET is not set"},
		{"env empty", campaign.Server{PasswordEnv: "STAKEOUT_TEST_EMPTY"}, "", "password: environment variable STAKEOUT_TEST_EMPTY is empty"},
		{"file with newline", campaign.Server{PasswordFile: lf}, secret, ""},
		{"file with crlf", campaign.Server{PasswordFile: crlf}, secret, ""},
		{"file without newline", campaign.Server{PasswordFile: bare}, secret, ""},
		{"file empty", campaign.Server{PasswordFile: empty}, "", "password: file " + empty + " is empty"},
		{"file only newline", campaign.Server{PasswordFile: newline}, "", "password: file " + newline + " is empty"},
		{"file missing", campaign.Server{PasswordFile: missing}, "", "password: openat missing: no such file or directory"},
		{"file relative to the directory", campaign.Server{PasswordFile: "lf"}, secret, ""},
		{"both", campaign.Server{PasswordEnv: "STAKEOUT_TEST_SMTP_PASSWORD", PasswordFile: lf}, "", "password: set password_env or password_file, not both"},
		{"neither", campaign.Server{Username: "shopper@probes.example"}, "", "password: no password_env or password_file set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Password(tt.server)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if got != tt.want || gotErr != tt.wantErr {
				t.Errorf("Password(%+v) = %q, %q, want %q, %q", tt.server, got, gotErr, tt.want, tt.wantErr)
			}
			if strings.Contains(gotErr, secret) {
				t.Errorf("Password(%+v) error %q contains the password", tt.server, gotErr)
			}
		})
	}
}

func TestPasswordFileEdges(t *testing.T) {
	// Only line breaks are trimmed (spaces may be part of a password); a directory fails
	// with an error that names it.
	dir := t.TempDir()
	t.Cleanup(SetDir(dir))
	_, err := Password(campaign.Server{PasswordFile: dir})
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Password(directory) = %v, want an error naming %s", err, dir)
	}
	p := filepath.Join(dir, "spaces")
	if err := os.WriteFile(p, []byte(" pass \n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Password(campaign.Server{PasswordFile: p})
	if diff := cmp.Diff(" pass ", got); diff != "" || err != nil {
		t.Errorf("Password(spaces) = %q, %v; diff (-want +got):\n%s", got, err, diff)
	}
}

func ExamplePassword() {
	os.Setenv("SHOPPER_SMTP_PASSWORD", "correct horse")
	defer os.Unsetenv("SHOPPER_SMTP_PASSWORD")
	pw, err := Password(campaign.Server{Host: "smtp.probes.example", Port: 587, PasswordEnv: "SHOPPER_SMTP_PASSWORD"})
	fmt.Println(len(pw), err)
	_, err = Password(campaign.Server{PasswordEnv: "NOT_SET_ANYWHERE"})
	fmt.Println(err)
	// Output:
	// 13 <nil>
	// password: environment variable NOT_SET_ANYWHERE is not set
}
