package pgtest

import (
	"os/exec"
	"strings"
	"testing"
)

func TestDB(t *testing.T) {
	s := Start(t)
	psql, err := s.Client("psql")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, name := range []string{"first", "second/with spaces & ÜTF-8"} {
		t.Run(name, func(t *testing.T) {
			dsn := DB(t, s)
			if seen[dsn] {
				t.Fatalf("DB returned %s twice", dsn)
			}
			seen[dsn] = true
			out, err := exec.Command(psql, "-X", "-w", "-d", dsn, "-Atc", "select 1").CombinedOutput()
			if got := strings.TrimSpace(string(out)); err != nil || got != "1" {
				t.Errorf("psql -d %s -Atc 'select 1' = %q, %v; want 1", dsn, got, err)
			}
		})
	}
}

func TestDBName(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		test string
		want string
	}{
		{1, "TestX", "t1_testx"},
		{12, "TestX/sub case", "t12_testx_sub_case"},
		{3, strings.Repeat("a", 100), "t3_" + strings.Repeat("a", 60)},
	} {
		if got := dbName(tc.n, tc.test); got != tc.want {
			t.Errorf("dbName(%d, %q) = %q, want %q", tc.n, tc.test, got, tc.want)
		}
	}
}
