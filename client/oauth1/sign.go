package oauth1

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Sign makes r an authenticated request (RFC 5849 §3.1): it adds the
// protocol parameters for the client credentials and the token
// credentials tok, and the signature over the request, where c.Placement
// says. Pass zero Credentials to sign with the client credentials alone.
//
// A form-encoded body (Content-Type application/x-www-form-urlencoded) is
// read, signed and put back, with GetBody set so the request can be sent
// again; other bodies are neither read nor signed. Sign sends nothing.
func (c *Config) Sign(r *http.Request, tok Credentials) error {
	return c.sign(r, tok.Token, tok.Secret, nil)
}

// sign signs r with token credentials (or temporary ones) and the extra
// protocol parameters of §2.1 (oauth_callback) or §2.3 (oauth_verifier).
func (c *Config) sign(r *http.Request, token, tokenSecret string, extra []param) error {
	if err := c.check(r); err != nil {
		return err
	}
	if r.Header == nil {
		r.Header = make(http.Header)
	}
	body, own, err := c.collect(r)
	if err != nil {
		return err
	}
	proto, err := c.protocolParams(token, extra)
	if err != nil {
		return err
	}
	sig, err := c.signRequest(r, own, proto, tokenSecret)
	if err != nil {
		return err
	}
	c.place(r, append(proto, param{"oauth_signature", sig}), body)
	return nil
}

// collect reads what the signature covers besides the protocol
// parameters (RFC 5849 §3.4.1.3.1): the query and a form-encoded body,
// which it returns so that body placement can extend it.
func (c *Config) collect(r *http.Request) (body []byte, own []param, err error) {
	form := isForm(r.Header.Get("Content-Type"))
	if err := checkPlacement(c.Placement, r, form); err != nil {
		return nil, nil, err
	}
	if form {
		if body, err = readBody(r); err != nil {
			return nil, nil, err
		}
	}
	own, err = requestParams(r, body, form)
	return body, own, err
}

// check validates the Config and the request before anything is read.
func (c *Config) check(r *http.Request) error {
	switch {
	case c == nil:
		return ErrNilConfig
	case r == nil || r.URL == nil:
		return fmt.Errorf("%w: nil request or URL", ErrInvalidURL)
	case c.ConsumerKey == "":
		return ErrMissingConsumerKey
	case c.Placement < AuthHeader || c.Placement > URIQuery:
		return fmt.Errorf("%w: %d", ErrUnsupportedPlacement, c.Placement)
	case !validRealm(c.Realm):
		return ErrInvalidRealm
	}
	if _, err := baseStringURI(r); err != nil {
		return err
	}
	switch m := c.method(); m {
	case HMACSHA1, HMACSHA256:
		return nil
	case RSASHA1:
		return checkSigner(c.Signer)
	case Plaintext:
		if !strings.EqualFold(r.URL.Scheme, "https") && !c.InsecurePlaintextOverHTTP {
			return fmt.Errorf("%w: scheme is %q", ErrInsecurePlaintext, r.URL.Scheme)
		}
		return nil
	default:
		return fmt.Errorf("%w: %q", ErrUnsupportedMethod, m)
	}
}

// protocolParams lists the protocol parameters of RFC 5849 §3.1 in the
// order they are sent. PLAINTEXT omits oauth_timestamp and oauth_nonce,
// which it does not use (§3.4.4).
func (c *Config) protocolParams(token string, extra []param) ([]param, error) {
	method := c.method()
	ps := make([]param, 0, 6+len(extra)+1)
	ps = append(ps, param{"oauth_consumer_key", c.ConsumerKey})
	if token != "" {
		ps = append(ps, param{"oauth_token", token})
	}
	ps = append(ps, param{"oauth_signature_method", string(method)})
	if method != Plaintext {
		ts := c.now().Unix()
		if ts <= 0 {
			return nil, fmt.Errorf("%w: %d", ErrInvalidTimestamp, ts) // §3.3
		}
		nonce := c.nonce()
		if nonce == "" {
			return nil, ErrInvalidNonce
		}
		ps = append(ps, param{"oauth_timestamp", strconv.FormatInt(ts, 10)},
			param{"oauth_nonce", nonce})
	}
	return append(ps, extra...), nil
}

// signRequest computes oauth_signature over the request's parameters and
// the protocol parameters (RFC 5849 §3.4).
func (c *Config) signRequest(r *http.Request, own, proto []param, tokenSecret string) (string, error) {
	method := c.method()
	if method == Plaintext {
		return c.signature(method, "", tokenSecret)
	}
	base, err := requestBaseString(r, own, proto)
	if err != nil {
		return "", err
	}
	return c.signature(method, base, tokenSecret)
}

// requestBaseString is the signature base string (RFC 5849 §3.4.1) of r
// with its own parameters and the protocol parameters.
func requestBaseString(r *http.Request, own, proto []param) (string, error) {
	uri, err := baseStringURI(r)
	if err != nil {
		return "", err
	}
	all := make([]param, 0, len(own)+len(proto))
	all = append(append(all, own...), proto...)
	return baseString(methodName(r.Method), uri, all), nil
}
