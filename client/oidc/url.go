package oidc

import (
	"fmt"
	"net"
	"net/url"
)

// checkURL accepts an absolute https URL, or http on a loopback host or
// when insecure is set.
func checkURL(what, raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("oidc: invalid %s: %w", what, err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("oidc: %s %q is not absolute", what, raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (insecure || isLoopback(u.Hostname())):
		return nil
	}
	return fmt.Errorf("oidc: %s %q must use https", what, raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
