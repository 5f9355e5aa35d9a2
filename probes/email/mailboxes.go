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

// RegisterMailbox records m so that the fleet's mail watchers read it.
func RegisterMailbox(ctx context.Context, rdb redis.UniversalClient, m campaign.Mailbox) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if err := rdb.HSet(ctx, MailboxesKey, m.Address, b).Err(); err != nil {
		return fmt.Errorf("register mailbox %s: %w", m.Address, err)
	}
	return nil
}

// Mailboxes returns every registered probe mailbox.
func Mailboxes(ctx context.Context, rdb redis.UniversalClient) ([]campaign.Mailbox, error) {
	v, err := rdb.HGetAll(ctx, MailboxesKey).Result()
	if err != nil {
		return nil, fmt.Errorf("read mailboxes: %w", err)
	}
	out := make([]campaign.Mailbox, 0, len(v))
	for addr, b := range v {
		var m campaign.Mailbox
		if err := json.Unmarshal([]byte(b), &m); err != nil {
			return nil, fmt.Errorf("mailbox %s: %w", addr, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func outstandingKey(address string) string { return "stakeout:mail:{" + address + "}:outstanding" }

// Outstanding returns the number of undecided probes sent from the mailbox.
func (s *Pendings) Outstanding(ctx context.Context, address string) (int64, error) {
	return s.rdb.SCard(ctx, outstandingKey(address)).Result()
}
