package keyset

import (
	"fmt"
	"net"
	"net/url"
)

// checkURL accepts an absolute https URL, or an http URL on a loopback
// host, or any http URL when insecure is set.
func checkURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("keyset: invalid URL: %w", err)
	}
	switch {
	case u.Host == "":
		return fmt.Errorf("keyset: URL %q is not absolute", raw)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && (insecure || isLoopback(u.Hostname())):
		return nil
	}
	return fmt.Errorf("keyset: URL %q must use https", raw)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
