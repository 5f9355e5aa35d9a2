package amproc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// APIAlert is an alert as Alertmanager's v2 API lists it (GET /api/v2/alerts).
type APIAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Status      struct {
		// State is active, suppressed or unprocessed.
		State      string   `json:"state"`
		SilencedBy []string `json:"silencedBy"`
	} `json:"status"`
}

// Alerts lists the alerts Alertmanager holds.
func (s *Server) Alerts(ctx context.Context) ([]APIAlert, error) {
	var out []APIAlert
	return out, s.call(ctx, http.MethodGet, "/api/v2/alerts", nil, &out)
}

// AddSilence silences the alerts whose label equals value, from now for d, and returns
// the silence's id.
func (s *Server) AddSilence(ctx context.Context, label, value string, d time.Duration) (string, error) {
	now := time.Now().UTC()
	body := map[string]any{
		"matchers": []map[string]any{{"name": label, "value": value, "isRegex": false, "isEqual": true}},
		"startsAt": now, "endsAt": now.Add(d), "createdBy": "stakeout", "comment": "maintenance",
	}
	var out struct {
		SilenceID string `json:"silenceID"`
	}
	if err := s.call(ctx, http.MethodPost, "/api/v2/silences", body, &out); err != nil {
		return "", err
	}
	return out.SilenceID, nil
}

// ExpireSilence ends a silence now.
func (s *Server) ExpireSilence(ctx context.Context, id string) error {
	return s.call(ctx, http.MethodDelete, "/api/v2/silence/"+url.PathEscape(id), nil, nil)
}

// call sends a request to Alertmanager's API and decodes its JSON answer into out.
func (s *Server) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("alertmanager %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("alertmanager %s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(msg))
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
