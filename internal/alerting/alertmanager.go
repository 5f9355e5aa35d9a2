package alerting

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Posted is one alert as Alertmanager's v2 API takes it (POST /api/v2/alerts, the
// postableAlert of its OpenAPI spec). Alertmanager identifies an alert by its labels:
// posting the same labels again refreshes it, and an EndsAt in the past resolves it.
type Posted struct {
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	StartsAt     time.Time         `json:"startsAt,omitzero"`
	EndsAt       time.Time         `json:"endsAt,omitzero"`
	GeneratorURL string            `json:"generatorURL,omitempty"`
}

// Client posts alerts to one or more Alertmanagers: every URL of an HA pair gets
// every alert, as Prometheus does; the peers deduplicate the notifications.
type Client struct {
	urls []*url.URL
	http *http.Client
}

// PostTimeout bounds one post to one Alertmanager.
const PostTimeout = 10 * time.Second

// NewClient returns a client of the Alertmanagers at urls (their base URL, e.g.
// http://127.0.0.1:9093 or https://am.example/prefix). A URL may carry user:password
// for basic authentication; errors and logs never show it.
func NewClient(urls []string) (*Client, error) {
	c := &Client{http: &http.Client{Timeout: PostTimeout}}
	for _, raw := range urls {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("alertmanager url %q: %w", Redact(raw), errors.Unwrap(err))
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("alertmanager url %q: want http:// or https:// and a host", Redact(raw))
		}
		u.Path = strings.TrimSuffix(u.Path, "/") + "/api/v2/alerts"
		c.urls = append(c.urls, u)
	}
	if len(c.urls) == 0 {
		return nil, errors.New("no alertmanager url")
	}
	return c, nil
}

// URLs returns the Alertmanagers' addresses without their passwords.
func (c *Client) URLs() []string {
	out := make([]string, len(c.urls))
	for i, u := range c.urls {
		out[i] = u.Redacted()
	}
	return out
}

// Redact hides the password of a URL for logs and errors.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.LastIndex(raw, "@"); i >= 0 {
			return "…@" + raw[i+1:]
		}
		return raw
	}
	return u.Redacted()
}

// PostResult is how one Alertmanager took a post.
type PostResult struct {
	URL      string // redacted
	Err      error
	Duration time.Duration
}

// Post sends alerts to every Alertmanager at once and waits for all of them. It
// returns each one's result; err is nil when at least one accepted the alerts.
func (c *Client) Post(ctx context.Context, alerts []Posted) ([]PostResult, error) {
	body, err := json.Marshal(alerts)
	if err != nil {
		return nil, fmt.Errorf("encode alerts: %w", err)
	}
	results := make([]PostResult, len(c.urls))
	var wg sync.WaitGroup
	for i, u := range c.urls {
		wg.Go(func() {
			start := time.Now()
			err := c.post(ctx, u, body)
			results[i] = PostResult{URL: u.Redacted(), Err: err, Duration: time.Since(start)}
		})
	}
	wg.Wait()
	var errs []error
	for _, r := range results {
		if r.Err == nil {
			return results, nil
		}
		errs = append(errs, r.Err)
	}
	return results, errors.Join(errs...)
}

// post sends body to one Alertmanager.
func (c *Client) post(ctx context.Context, u *url.URL, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("post alerts to %s: %w", u.Redacted(), err)
	}
	req.Header.Set("Content-Type", "application/json")
	if pw, ok := u.User.Password(); ok {
		req.SetBasicAuth(u.User.Username(), pw)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its URL would show the password
		}
		return fmt.Errorf("post alerts to %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("post alerts to %s: %s: %s", u.Redacted(), resp.Status, strings.TrimSpace(string(msg)))
	}
	return nil
}
