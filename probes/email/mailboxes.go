package email

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/redis/go-redis/v9"
	"github.com/stakeoutcx/stakeout/internal/campaign"
)

// MailboxesKey is the Redis hash of the probe mailboxes that mail watchers read, by
// address. It holds the campaign's mailbox settings, which name where the passwords are
// (environment variable or file), never the passwords.
const MailboxesKey = "stakeout:mail:mailboxes"

// MailboxesChannel is the Redis pub/sub channel on which a probe announces the address
// of the mailbox it is about to send from, so that watchers start at once.
const MailboxesChannel = "stakeout:mail:mailboxes:used"

// UseMailbox records m (its latest settings) so that the fleet's mail watchers read it,
// and tells them. Call it once the probe's record exists.
func UseMailbox(ctx context.Context, rdb redis.UniversalClient, m campaign.Mailbox) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	_, err = rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.HSet(ctx, MailboxesKey, m.Address, b)
		pipe.Publish(ctx, MailboxesChannel, m.Address)
		return nil
	})
	if err != nil {
		return fmt.Errorf("register mailbox %s: %w", m.Address, err)
	}
	return nil
}

// Mailboxes returns every registered probe mailbox. An entry that does not decode is
// reported in bad and left out.
func Mailboxes(ctx context.Context, rdb redis.UniversalClient) (out []campaign.Mailbox, bad []error, err error) {
	v, err := rdb.HGetAll(ctx, MailboxesKey).Result()
	if err != nil {
		return nil, nil, fmt.Errorf("read mailboxes: %w", err)
	}
	out = make([]campaign.Mailbox, 0, len(v))
	for addr, b := range v {
		var m campaign.Mailbox
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			bad = append(bad, fmt.Errorf("mailbox %s: %w", addr, err))
			continue
		}
		out = append(out, m)
	}
	return out, bad, nil
}

// forgetIdle removes a mailbox from the registry when no undecided probe was sent from
// it. It is atomic with the probe side, which records its probe (making the mailbox
// outstanding) before it registers the mailbox again.
var forgetIdle = redis.NewScript(`
if redis.call('SCARD', KEYS[2]) == 0 then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`)

// ForgetIfIdle removes the mailbox at address from the registry when it has no
// outstanding probe, and reports whether it did.
func ForgetIfIdle(ctx context.Context, rdb redis.UniversalClient, address string) (bool, error) {
	n, err := forgetIdle.Run(ctx, rdb, []string{MailboxesKey, outstandingKey(address)}, address).Int()
	if err != nil {
		return false, fmt.Errorf("forget idle mailbox %s: %w", address, err)
	}
	return n == 1, nil
}

func outstandingKey(address string) string { return "stakeout:mail:{" + address + "}:outstanding" }

// Outstanding returns the number of undecided probes sent from the mailbox.
func (s *Pendings) Outstanding(ctx context.Context, address string) (int64, error) {
	return s.rdb.SCard(ctx, outstandingKey(address)).Result()
}
