package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/grantry/grantry/storage"
)

// wrap turns a go-redis error into what the storage contract promises:
// an error wrapping storage.ErrUnavailable when Redis cannot be reached or
// cannot serve now, and the error wrapped with the operation's name
// otherwise.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case unavailable(err):
		return fmt.Errorf("%w: redisstore: %s: %v", storage.ErrUnavailable, op, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

func unavailable(err error) bool {
	if errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, redis.ErrPoolExhausted) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var re redis.Error
	if errors.As(err, &re) {
		return unavailableReply(re.Error())
	}
	return false
}

// unavailableReply reports the error replies of a server that is loading,
// failing over or out of memory: the request may succeed later.
func unavailableReply(msg string) bool {
	for _, p := range []string{"LOADING ", "MASTERDOWN ", "CLUSTERDOWN ", "TRYAGAIN ", "BUSY ", "READONLY ", "OOM "} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}
