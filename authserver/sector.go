package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/grantry/grantry/internal/origin"
	"github.com/grantry/grantry/storage"
)

// The sector identifier of a client groups the clients of one owner for
// pairwise subjects (OpenID Connect Core 1.0 §8.1). It is checked when a
// client is registered, and used when a subject is computed.

// Limits of the fetch of a sector_identifier_uri.
const (
	sectorFetchTimeout = 10 * time.Second
	sectorMaxBody      = 64 << 10
)

// ErrSeveralSectorHosts is returned by SectorIdentifier for a client
// without SectorIdentifierURI whose redirect URIs do not all have one
// host: such a client cannot have pairwise subjects.
var ErrSeveralSectorHosts = errors.New("the redirect URIs have several hosts: a sector_identifier_uri is required for pairwise subjects")

// SectorIdentifier returns the sector identifier of the client (OpenID
// Connect Core 1.0 §8.1): the host of its SectorIdentifierURI when it has
// one, else the one host of its redirect URIs. Hosts are lower-cased and
// have no port. It fails when the client has neither, when a URI has no
// host, and, with ErrSeveralSectorHosts, when the redirect URIs have
// several hosts.
func SectorIdentifier(c *storage.Client) (string, error) {
	if c.SectorIdentifierURI != "" {
		return uriHost("sector_identifier_uri", c.SectorIdentifierURI)
	}
	if len(c.RedirectURIs) == 0 {
		return "", errors.New("the client has no redirect URI and no sector_identifier_uri")
	}
	var sector string
	for _, r := range c.RedirectURIs {
		host, err := uriHost("redirect URI", r)
		if err != nil {
			return "", err
		}
		if sector != "" && host != sector {
			return "", ErrSeveralSectorHosts
		}
		sector = host
	}
	return sector, nil
}

// uriHost returns the lower-cased host of the URI raw, which what names.
func uriHost(what, raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("%s %q names no host", what, raw)
	}
	return strings.ToLower(u.Hostname()), nil
}

// CheckSectorIdentifierURI fetches the client's SectorIdentifierURI with
// hc and checks that it is a JSON array of strings holding every one of
// the client's redirect URIs (OpenID Connect Core 1.0 §8.1). The URI must
// be https. The request is a GET, given 10 seconds, that follows no
// redirect to another origin; the body may have at most 64 KiB. A client
// without SectorIdentifierURI passes.
func CheckSectorIdentifierURI(ctx context.Context, hc *http.Client, c *storage.Client) error {
	raw := c.SectorIdentifierURI
	if raw == "" {
		return nil
	}
	if u, err := origin.ParseSecure(raw, false); err != nil || u.Scheme != "https" {
		return fmt.Errorf("sector_identifier_uri %q: want an https URL without fragment or user information", raw)
	}
	list, err := fetchSectorList(ctx, hc, raw)
	if err != nil {
		return fmt.Errorf("sector_identifier_uri %q: %w", raw, err)
	}
	for _, r := range c.RedirectURIs {
		if !slices.Contains(list, r) {
			return fmt.Errorf("sector_identifier_uri %q does not list the redirect URI %q", raw, r)
		}
	}
	return nil
}

// fetchSectorList GETs the JSON array of strings at raw.
func fetchSectorList(ctx context.Context, hc *http.Client, raw string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, sectorFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := origin.Client(hc).Do(req)
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is in the caller's message
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("got HTTP status %d, want 200", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, sectorMaxBody+1))
	if err != nil {
		return nil, err
	}
	if len(body) > sectorMaxBody {
		return nil, fmt.Errorf("the document is larger than %d bytes", sectorMaxBody)
	}
	var list []string
	if err := json.Unmarshal(body, &list); err != nil || list == nil {
		return nil, errors.New("the document is not a JSON array of strings")
	}
	return list, nil
}
