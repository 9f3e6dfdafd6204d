package keyset

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// fetch downloads and parses the JWK Set, and returns how long it may be
// used.
func (r *Remote) fetch(ctx context.Context) (*JWKS, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, 0, fmt.Errorf("%w: %s answered HTTP %d", ErrFetch, r.url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	set, err := ParseJWKS(body)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %v", ErrFetch, err)
	}
	return set, r.lifetime(resp.Header.Get("Cache-Control")), nil
}

// lifetime returns how long a response may be used: its max-age bounded by
// MinTTL and MaxTTL, MinTTL for no-store or no-cache, and TTL otherwise
// (RFC 9111 §5.2.2).
func (r *Remote) lifetime(cacheControl string) time.Duration {
	age, ok := maxAge(cacheControl)
	if !ok {
		return r.cfg.TTL
	}
	return min(max(age, r.cfg.MinTTL), r.cfg.MaxTTL)
}

// maxAge parses the max-age directive of a Cache-Control header. no-store
// and no-cache count as a max-age of zero, whatever else the header says.
func maxAge(header string) (time.Duration, bool) {
	age, found := time.Duration(0), false
	for _, d := range strings.Split(header, ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return 0, true
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64)
			if err != nil || n < 0 || found {
				continue
			}
			age, found = time.Duration(min(n, int64(365*24*3600)))*time.Second, true
		}
	}
	return age, found
}
