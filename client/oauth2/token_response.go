package oauth2

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/grantry/grantry"
)

// maxResponseBytes bounds the endpoint responses the client reads.
const maxResponseBytes = 1 << 20

// maxErrorBody bounds the body kept in an Error.
const maxErrorBody = 512

var errResponseTooLarge = fmt.Errorf("oauth2: response larger than %d bytes", maxResponseBytes)

// ParseTokenResponse parses the body of a successful access token response
// (RFC 6749 §5.1) received at now. It requires a JSON object with a
// non-empty access_token and a token_type; token_type is compared without
// case and "bearer" becomes "Bearer"; expires_in may be a JSON number or a
// string of digits, and sets Expiry (zero for an expires_in of 0 or none);
// refresh_token, scope and id_token must be strings when present. A body
// with an "error" member and no access_token is returned as an [*Error].
func ParseTokenResponse(body []byte, now time.Time) (*Token, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, fmt.Errorf("%w: body is not a JSON object", ErrTokenResponse)
	}
	if _, ok := raw["error"]; ok && isAbsent(raw["access_token"]) {
		return nil, errorFromMembers(raw, http.StatusOK)
	}
	tok := &Token{Raw: raw}
	var err error
	if tok.AccessToken, err = stringMember(raw, "access_token", true); err != nil {
		return nil, err
	}
	if tok.TokenType, err = stringMember(raw, "token_type", true); err != nil {
		return nil, err
	}
	if strings.EqualFold(tok.TokenType, grantry.TokenTypeBearer) {
		tok.TokenType = grantry.TokenTypeBearer
	}
	if strings.EqualFold(tok.TokenType, grantry.TokenTypeDPoP) {
		tok.TokenType = grantry.TokenTypeDPoP
	}
	if tok.Expiry, err = expiryMember(raw, now); err != nil {
		return nil, err
	}
	optional := []struct {
		name string
		dst  *string
	}{{"refresh_token", &tok.RefreshToken}, {"scope", &tok.Scope}, {"id_token", &tok.IDToken}}
	for _, m := range optional {
		if *m.dst, err = stringMember(raw, m.name, false); err != nil {
			return nil, err
		}
	}
	return tok, nil
}

func isAbsent(v json.RawMessage) bool {
	return v == nil || bytes.Equal(v, []byte("null"))
}

// stringMember returns a string member; a required one must be non-empty.
func stringMember(raw map[string]json.RawMessage, name string, required bool) (string, error) {
	v := raw[name]
	if isAbsent(v) {
		if required {
			return "", fmt.Errorf("%w: %s is missing", ErrTokenResponse, name)
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("%w: %s is not a string", ErrTokenResponse, name)
	}
	if required && s == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrTokenResponse, name)
	}
	return s, nil
}

// expiryMember turns expires_in into an expiry time.
func expiryMember(raw map[string]json.RawMessage, now time.Time) (time.Time, error) {
	v := raw["expires_in"]
	if isAbsent(v) {
		return time.Time{}, nil
	}
	secs, err := parseSeconds(v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: expires_in: %v", ErrTokenResponse, err)
	}
	if secs == 0 {
		return time.Time{}, nil
	}
	return now.Add(time.Duration(secs) * time.Second), nil
}

// maxSeconds keeps an expires_in within what a time.Duration can hold.
const maxSeconds = int64(math.MaxInt64 / int64(time.Second))

// parseSeconds accepts a non-negative whole JSON number or a string of
// decimal digits.
func parseSeconds(v json.RawMessage) (int64, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		v = json.RawMessage(s)
		if s == "" || strings.TrimLeft(s, "0123456789") != "" {
			return 0, fmt.Errorf("%q is not a number of seconds", s)
		}
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f < 0 || f != math.Trunc(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("%s is not a number of seconds", v)
	}
	if f > float64(maxSeconds) {
		return maxSeconds, nil
	}
	return int64(f), nil
}

// errorFromMembers builds an Error from an RFC 6749 §5.2 error document.
func errorFromMembers(raw map[string]json.RawMessage, status int) *Error {
	e := &Error{StatusCode: status}
	code, _ := stringMember(raw, "error", false)
	e.Code = grantry.ErrorCode(code)
	e.Description, _ = stringMember(raw, "error_description", false)
	e.URI, _ = stringMember(raw, "error_uri", false)
	return e
}

// parseErrorResponse turns an unsuccessful endpoint response into an Error.
func parseErrorResponse(status int, header http.Header, body []byte) *Error {
	var raw map[string]json.RawMessage
	var e *Error
	if json.Unmarshal(body, &raw) == nil && raw != nil {
		e = errorFromMembers(raw, status)
	} else {
		e = &Error{StatusCode: status}
	}
	if e.Code == "" {
		e.Body = body[:min(len(body), maxErrorBody)]
	}
	e.Header = header
	return e
}

// readBody reads at most maxResponseBytes of a response body.
func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("oauth2: reading response: %w", err)
	}
	if len(body) > maxResponseBytes {
		return nil, errResponseTooLarge
	}
	return body, nil
}

// tokenFromResponse parses a token endpoint response.
func tokenFromResponse(resp *http.Response, now time.Time) (*Token, error) {
	body, err := readBody(resp)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, parseErrorResponse(resp.StatusCode, resp.Header, body)
	}
	return ParseTokenResponse(body, now)
}
