package cli_test

import (
	"cmp"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stakeoutcx/stakeout/internal/campaign"
	"github.com/stakeoutcx/stakeout/internal/sim"
)

// simProfiles are the built-in widget profiles of the simulator's widget styles.
var simProfiles = map[sim.ChatStyle]string{sim.ChatIframe: "sim-iframe", sim.ChatInline: "sim-inline"}

// TestExampleCampaignsMatchSim checks every example campaign (examples/**/campaign.yaml)
// against the simulator config beside it (sim.yaml): each target's email address is a
// simulated company's, its chat page is that company's page with the profile of its
// widget, each mailbox is one the simulator hosts, on its ports. So the README's
// walkthrough and the demo probe companies that answer.
func TestExampleCampaignsMatchSim(t *testing.T) {
	t.Parallel()
	var files []string
	err := filepath.WalkDir("../../examples", func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "campaign.yaml" {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) < 3 {
		t.Fatalf("example campaigns: %v (err %v), want at least 3", files, err)
	}
	for _, file := range files {
		t.Run(filepath.Dir(file), func(t *testing.T) {
			t.Parallel()
			camp, err := campaign.Load(file)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			simFile := filepath.Join(filepath.Dir(file), "sim.yaml")
			cfg, err := sim.Load(simFile)
			if err != nil {
				t.Fatalf("%s: the simulator config beside the campaign: %v", simFile, err)
			}
			for _, p := range simMismatches(camp, &cfg) {
				t.Errorf("%s against %s: %s", file, simFile, p)
			}
		})
	}
}

// simMismatches lists what of camp the simulator of cfg does not play.
func simMismatches(camp *campaign.Campaign, cfg *sim.Config) []string {
	var out []string
	byAddress, byID := map[string]*sim.Company{}, map[string]*sim.Company{}
	for i, co := range cfg.Companies {
		byAddress[strings.ToLower(co.Address)], byID[co.ID] = &cfg.Companies[i], &cfg.Companies[i]
	}
	for _, tg := range camp.Targets {
		if e := tg.Channels.Email; e != nil && byAddress[strings.ToLower(e.Address)] == nil {
			out = append(out, fmt.Sprintf("target %s: no simulated company has the address %s", tg.ID, e.Address))
		}
		if c := tg.Channels.Chat; c != nil {
			out = append(out, chatMismatches(tg.ID, c, cfg, byID)...)
		}
	}
	for _, mb := range camp.Mailboxes {
		out = append(out, mailboxMismatches(mb, cfg)...)
	}
	return out
}

// chatMismatches checks a chat target: http://WEB/c/ID/ of a company with chat, and
// the built-in profile of its widget style.
func chatMismatches(target string, c *campaign.ChatChannel, cfg *sim.Config, byID map[string]*sim.Company) []string {
	u, err := url.Parse(c.URL)
	if err != nil {
		return []string{fmt.Sprintf("target %s: chat url: %v", target, err)}
	}
	id := strings.Trim(strings.TrimPrefix(u.Path, "/c/"), "/")
	co := byID[id]
	switch {
	case u.Scheme != "http" || !strings.HasPrefix(u.Path, "/c/") || co == nil || co.Chat == nil:
		return []string{fmt.Sprintf("target %s: chat url %s is no simulated company's chat page (http://%s/c/ID/)", target, c.URL, cfg.Web.Addr)}
	case !samePort(net.JoinHostPort(u.Hostname(), cmp.Or(u.Port(), "80")), cfg.Web.Addr):
		return []string{fmt.Sprintf("target %s: chat url %s is not on the simulator's web address %s", target, c.URL, cfg.Web.Addr)}
	}
	style := co.Chat.Style
	if style == "" {
		style = sim.DefaultChatStyle
	}
	if want := simProfiles[style]; c.Profile != want {
		return []string{fmt.Sprintf("target %s: profile %s, want %s for the %s widget of %s", target, c.Profile, want, style, id)}
	}
	return nil
}

// mailboxMismatches checks that the simulator hosts mb, on the ports mb uses.
func mailboxMismatches(mb campaign.Mailbox, cfg *sim.Config) []string {
	var hosted *sim.Mailbox
	for i, m := range cfg.Mailboxes {
		if strings.EqualFold(m.Address, mb.Address) {
			hosted = &cfg.Mailboxes[i]
		}
	}
	if hosted == nil {
		return []string{fmt.Sprintf("mailbox %s: the simulator hosts no such mailbox", mb.Address)}
	}
	var out []string
	for _, s := range []struct {
		name string
		srv  campaign.Server
		addr string
	}{{"smtp", mb.SMTP, cfg.SMTP.Addr}, {"imap", mb.IMAP, cfg.IMAP.Addr}} {
		if !samePort(net.JoinHostPort(s.srv.Host, strconv.Itoa(s.srv.Port)), s.addr) {
			out = append(out, fmt.Sprintf("mailbox %s: %s %s:%d is not the simulator's %s", mb.Address, s.name, s.srv.Host, s.srv.Port, s.addr))
		}
		user := s.srv.Username
		if user == "" {
			user = mb.Address
		}
		if want := cmp.Or(hosted.Username, hosted.Address); !strings.EqualFold(user, want) {
			out = append(out, fmt.Sprintf("mailbox %s: %s username %s, the simulator's is %s", mb.Address, s.name, user, want))
		}
		if hosted.PasswordEnv != "" && s.srv.PasswordEnv != hosted.PasswordEnv {
			out = append(out, fmt.Sprintf("mailbox %s: %s password_env %s, the simulator reads %s", mb.Address, s.name, s.srv.PasswordEnv, hosted.PasswordEnv))
		}
	}
	return out
}

// samePort reports whether host:port a is the simulator's address b; a simulator on
// port 0 (the demo's, which points the campaign at its ports) matches any port.
func samePort(a, b string) bool {
	ah, ap, err1 := net.SplitHostPort(a)
	bh, bp, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil {
		return false
	}
	return ah == bh && (bp == "0" || ap == bp)
}
