package email

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"regexp"
	"strings"
)

// TokenPrefix starts every correlation token.
const TokenPrefix = "stk-"

// tokenLen is the number of base32 characters after the prefix (60 bits).
const tokenLen = 12

var tokenRE = regexp.MustCompile(`(?i)stk-([a-z2-7]{12})`)

// Token returns the correlation token of a probe: "stk-" and 12 lowercase base32
// characters of the SHA-256 of the probe id. It is deterministic, so a retried send
// carries the same token and Message-ID.
func Token(probeID string) string {
	sum := sha256.Sum256([]byte(probeID))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])
	return TokenPrefix + strings.ToLower(enc[:tokenLen])
}

// MessageID returns the Message-ID of a probe's message, with angle brackets.
func MessageID(token, domain string) string {
	return "<" + token + "@" + domain + ">"
}

// PlusAddress returns addr with the token as its +detail: shopper+stk-xxxx@domain.
func PlusAddress(addr, token string) (string, error) {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" || domain == "" {
		return "", fmt.Errorf("%q is not an email address", addr)
	}
	if base, _, found := strings.Cut(local, "+"); found {
		local = base
	}
	return local + "+" + token + "@" + domain, nil
}

// SubjectTag is the reference appended to a probe's subject, kept by helpdesks that
// drop threading headers: "(ref stk-xxxx)".
func SubjectTag(token string) string { return "(ref " + token + ")" }

// FindTokens returns the distinct tokens in s, lowercased, in order of appearance.
func FindTokens(s string) []string {
	var out []string
	for _, m := range tokenRE.FindAllStringSubmatch(s, -1) {
		t := TokenPrefix + strings.ToLower(m[1])
		dup := false
		for _, o := range out {
			dup = dup || o == t
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}
