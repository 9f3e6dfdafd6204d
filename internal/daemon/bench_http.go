package daemon

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawWorker sends the client_credentials requests of one worker of
// grantry bench over a plain-HTTP keep-alive connection of its own
// (RFC 9112), writing one request made in advance and reading the
// response with no per-request allocation. The load generator shares the
// machine with the server it measures: the less it spends per request,
// the less it evens out the servers it compares. HTTPS URLs use net/http
// (ccWorker).
type rawWorker struct {
	addr    string
	request []byte
	conn    net.Conn
	r       *bufio.Reader
}

var (
	errBadResponse = errors.New("malformed HTTP response")
	// errRunOver is a request not sent, or cut short, because the
	// deadline of the run has passed, which the connection's deadline
	// may tell before the context does.
	errRunOver = errors.New("the run is over")
)

// newRawWorker makes the request of a worker for the http URL u.
func newRawWorker(u *url.URL, f *benchFlags, payload string) *rawWorker {
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	cred := base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(f.clientID) + ":" + url.QueryEscape(f.clientSecret)))
	req := "POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUser-Agent: grantry-bench\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Basic " + cred +
		"\r\nContent-Length: " + strconv.Itoa(len(payload)) + "\r\n\r\n" + payload
	return &rawWorker{addr: addr, request: []byte(req)}
}

// send sends the request and reads the response; any failure closes the
// connection, and the next request opens another.
func (w *rawWorker) send(ctx context.Context) error {
	if runOver(ctx) {
		return errRunOver
	}
	status, err := w.roundTrip(ctx)
	if err != nil {
		w.close()
		if runOver(ctx) {
			return errRunOver
		}
		return err
	}
	if status != "" {
		return errors.New(status)
	}
	return nil
}

// roundTrip returns "" for a 200 response, else its status ("401
// Unauthorized").
func (w *rawWorker) roundTrip(ctx context.Context) (string, error) {
	if w.conn == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", w.addr)
		if err != nil {
			return "", err
		}
		w.conn, w.r = c, bufio.NewReaderSize(c, 4096)
	}
	deadline := time.Now().Add(30 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := w.conn.SetDeadline(deadline); err != nil {
		return "", err
	}
	if _, err := w.conn.Write(w.request); err != nil {
		return "", err
	}
	return w.readResponse()
}

// runOver reports whether the deadline of ctx has passed.
func runOver(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || (ok && !time.Now().Before(d))
}

func (w *rawWorker) close() {
	if w.conn != nil {
		_ = w.conn.Close()
		w.conn, w.r = nil, nil
	}
}

// readResponse reads a response and its body: with a Content-Length,
// chunked, or to the end of the connection.
func (w *rawWorker) readResponse() (string, error) {
	line, err := w.r.ReadSlice('\n')
	if err != nil {
		return "", err
	}
	if len(line) < 14 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return "", errBadResponse
	}
	var status string
	if !bytes.HasPrefix(line[9:], []byte("200 ")) {
		status = string(bytes.TrimSpace(line[9:]))
	}
	length, chunked, keep, err := w.readHeader()
	switch {
	case err != nil:
	case chunked:
		err = w.discardChunked()
	case length >= 0:
		_, err = w.r.Discard(length)
	default:
		_, err = io.Copy(io.Discard, w.r)
		keep = false
	}
	if err == nil && !keep {
		w.close()
	}
	return status, err
}

// readHeader reads the header fields and returns the Content-Length (-1
// when absent), whether the body is chunked, and whether the connection
// stays open.
func (w *rawWorker) readHeader() (length int, chunked, keep bool, err error) {
	length, keep = -1, true
	for {
		line, err := w.r.ReadSlice('\n')
		if err != nil {
			return 0, false, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return length, chunked, keep, nil
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, false, errBadResponse
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = atoi(value); err != nil {
				return 0, false, false, err
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			keep = !bytes.EqualFold(value, []byte("close"))
		}
	}
}

// discardChunked reads a chunked body (RFC 9112 §7.1) and its trailers.
func (w *rawWorker) discardChunked() error {
	for {
		line, err := w.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(size), 16, 32)
		if err != nil || n < 0 {
			return errBadResponse
		}
		if n == 0 {
			_, _, _, err = w.readHeader() // trailers
			return err
		}
		if _, err := w.r.Discard(int(n) + 2); err != nil {
			return err
		}
	}
}

// atoi parses a decimal Content-Length.
func atoi(b []byte) (int, error) {
	if len(b) == 0 || len(b) > 12 {
		return 0, errBadResponse
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, errBadResponse
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}
