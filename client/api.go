package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// Get sends a GET request for path, relative to the API base URL, with
// the token that the fetch-token function finds for the user behind r.
// An OAuth 2.0 token that is about to expire is renewed first and the new
// token reported to the update-token function; an OAuth 1.0 request is
// signed (RFC 5849 §3).
func (a *App) Get(ctx context.Context, r *http.Request, path string) (*http.Response, error) {
	return a.request(ctx, r, http.MethodGet, path, "", nil)
}

// Post sends a POST request for path, as Get does, with body of type
// contentType. A form-encoded body is part of an OAuth 1.0 signature.
func (a *App) Post(ctx context.Context, r *http.Request, path, contentType string, body io.Reader) (*http.Response, error) {
	return a.request(ctx, r, http.MethodPost, path, contentType, body)
}

// Put sends a PUT request for path, as Post does.
func (a *App) Put(ctx context.Context, r *http.Request, path, contentType string, body io.Reader) (*http.Response, error) {
	return a.request(ctx, r, http.MethodPut, path, contentType, body)
}

// Delete sends a DELETE request for path, as Get does.
func (a *App) Delete(ctx context.Context, r *http.Request, path string) (*http.Response, error) {
	return a.request(ctx, r, http.MethodDelete, path, "", nil)
}

func (a *App) request(ctx context.Context, r *http.Request, method, path, contentType string, body io.Reader) (*http.Response, error) {
	u, err := a.resolve(path)
	if err != nil {
		return nil, err
	}
	tok, err := a.fetchToken(ctx, r)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return a.Do(ctx, tok, req)
}

// Do sends req with tok, for a caller that holds the token itself. A
// request URL that is not absolute is taken relative to the API base URL.
// An OAuth 2.0 token is renewed first when it is about to expire, and the
// new token reported to the update-token function; concurrent calls with
// the same token share one renewal. req itself is not modified, though
// its body is consumed.
func (a *App) Do(ctx context.Context, tok *Token, req *http.Request) (*http.Response, error) {
	if !tok.usable(a.oauth1 != nil) {
		return nil, fmt.Errorf("%w for app %s", ErrNoToken, a.name)
	}
	req = req.Clone(ctx)
	if !req.URL.IsAbs() {
		u, err := a.resolve(req.URL.String())
		if err != nil {
			return nil, err
		}
		req.URL, req.Host = u, ""
	}
	if a.oauth1 != nil {
		return a.oauth1.Client(*tok.OAuth1).Do(req)
	}
	s, err := a.oauth2Setup(ctx)
	if err != nil {
		return nil, err
	}
	t, err := a.fresh(ctx, s, tok)
	if err != nil {
		return nil, err
	}
	oc := a.userConfig(s, tok.Subject, nil)
	oc.RefreshLeeway = -1 // fresh has renewed t if it was due
	cl, err := userClient(oc, t)
	if err != nil {
		return nil, err
	}
	return cl.Do(ctx, req)
}

// resolve returns path, a reference without scheme or host, relative to
// the API base URL. A leading "/" is dropped, so "/user" and "user" both
// name the base followed by "user".
func (a *App) resolve(path string) (*url.URL, error) {
	if strings.HasPrefix(path, "//") {
		return nil, fmt.Errorf("%w: %q", ErrPath, path)
	}
	ref, err := url.Parse(strings.TrimPrefix(path, "/"))
	if err != nil || ref.Scheme != "" || ref.Host != "" {
		return nil, fmt.Errorf("%w: %q", ErrPath, path)
	}
	if a.base == nil {
		return nil, fmt.Errorf("%w: app %s has no API base URL", ErrPath, a.name)
	}
	return a.base.ResolveReference(ref), nil
}

// fetchToken asks the app's, or else the registry's, fetch-token function
// for the token of the user behind r.
func (a *App) fetchToken(ctx context.Context, r *http.Request) (*Token, error) {
	var tok *Token
	var err error
	switch {
	case a.cfg.FetchToken != nil:
		tok, err = a.cfg.FetchToken(ctx, r)
	case a.reg.cfg.FetchToken != nil:
		tok, err = a.reg.cfg.FetchToken(ctx, a.name, r)
	default:
		return nil, fmt.Errorf("%w: app %s has no fetch-token function", ErrNoToken, a.name)
	}
	if err != nil {
		return nil, fmt.Errorf("client: fetch token for %s: %w", a.name, err)
	}
	if tok == nil {
		return nil, fmt.Errorf("%w for app %s", ErrNoToken, a.name)
	}
	return tok, nil
}

// updateToken reports a renewed token to the app's, or else the
// registry's, update-token function.
func (a *App) updateToken(ctx context.Context, tok *Token, oldRefreshToken string) error {
	switch {
	case a.cfg.UpdateToken != nil:
		return a.cfg.UpdateToken(ctx, tok, oldRefreshToken)
	case a.reg.cfg.UpdateToken != nil:
		return a.reg.cfg.UpdateToken(ctx, a.name, tok, oldRefreshToken)
	}
	return nil
}
