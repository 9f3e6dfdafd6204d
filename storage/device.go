package storage

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/grantry/grantry"
)

// DeviceStatus is the state of a device authorization (RFC 8628 §3.3,
// §3.5).
type DeviceStatus string

// The states of a device authorization. A pending one becomes approved or
// denied once, when the user decides; an approved one becomes used once,
// when the device's poll is answered with tokens.
const (
	DevicePending  DeviceStatus = "pending"
	DeviceApproved DeviceStatus = "approved"
	DeviceDenied   DeviceStatus = "denied"
	DeviceUsed     DeviceStatus = "used"
)

// DeviceSlowDownStep is how much the polling interval of a device
// authorization grows with each poll that comes too early (RFC 8628 §3.5).
const DeviceSlowDownStep = 5 * time.Second

// DeviceAuthorization is a device authorization request (RFC 8628 §3.1):
// the device polls with its device code while the user, on another
// device, enters the user code and decides.
type DeviceAuthorization struct {
	// DeviceCodeHash and UserCodeHash are the secret.Digest of the
	// device code and of the normalised user code; neither code is ever
	// stored.
	DeviceCodeHash string
	UserCodeHash   string
	ClientID       string
	// Scope is the requested scope.
	Scope  grantry.Scope
	Status DeviceStatus
	// Subject, GrantedScope, AuthTime and Extra are set by the user's
	// approval: who approved, the scope granted (within Scope), when the
	// user authenticated, and values kept with the tokens, such as the
	// session's ID.
	Subject      string
	GrantedScope grantry.Scope
	AuthTime     time.Time
	Extra        map[string]string
	// Interval is the least time between two polls; it grows by
	// DeviceSlowDownStep with each poll that comes sooner (RFC 8628 §3.5).
	// LastPoll is the time of the last poll; zero before the first.
	Interval  time.Duration
	LastPoll  time.Time
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Expired reports whether the authorization has expired at now.
func (d *DeviceAuthorization) Expired(now time.Time) bool { return !now.Before(d.ExpiresAt) }

// Clone returns a deep copy of d.
func (d *DeviceAuthorization) Clone() *DeviceAuthorization {
	c := *d
	c.Scope = slices.Clone(d.Scope)
	c.GrantedScope = slices.Clone(d.GrantedScope)
	c.Extra = maps.Clone(d.Extra)
	return &c
}

// DevicePoll is what a poll of the token endpoint finds (RFC 8628 §3.5).
type DevicePoll int

// The outcomes of a poll.
const (
	// PollPending: the user has not decided; authorization_pending.
	PollPending DevicePoll = iota
	// PollSlowDown: the poll came sooner than Interval after the last
	// one, which has grown; slow_down.
	PollSlowDown
	// PollApproved: the user approved; the authorization is now used and
	// the tokens are to be issued.
	PollApproved
	// PollDenied: the user denied; access_denied.
	PollDenied
	// PollExpired: the authorization expired before it was used;
	// expired_token.
	PollExpired
	// PollUsed: tokens were issued for the authorization already.
	PollUsed
)

// Poll applies a poll at now to d, as a backend does in one atomic step
// (RFC 8628 §3.5): a used or expired authorization is left as it is; a
// pending one polled sooner than Interval after the last poll has its
// Interval grown by DeviceSlowDownStep; an approved one becomes used.
// Every poll of a live authorization sets LastPoll.
func (d *DeviceAuthorization) Poll(now time.Time) DevicePoll {
	switch {
	case d.Status == DeviceUsed:
		return PollUsed
	case d.Expired(now):
		return PollExpired
	}
	early := !d.LastPoll.IsZero() && now.Sub(d.LastPoll) < d.Interval
	d.LastPoll = now
	switch d.Status {
	case DeviceApproved:
		d.Status = DeviceUsed
		return PollApproved
	case DeviceDenied:
		return PollDenied
	}
	if early {
		d.Interval += DeviceSlowDownStep
		return PollSlowDown
	}
	return PollPending
}

// DeviceDecision is a signed-in user's answer to a device authorization.
type DeviceDecision struct {
	// Approve grants GrantedScope to the client for Subject; otherwise
	// the authorization is denied and the other fields are ignored.
	Approve      bool
	Subject      string
	GrantedScope grantry.Scope
	AuthTime     time.Time
	Extra        map[string]string
}

// Apply records the decision on a pending authorization.
func (d *DeviceAuthorization) Apply(dec *DeviceDecision) {
	if !dec.Approve {
		d.Status = DeviceDenied
		return
	}
	d.Status = DeviceApproved
	d.Subject = dec.Subject
	d.GrantedScope = slices.Clone(dec.GrantedScope)
	d.AuthTime = dec.AuthTime
	d.Extra = maps.Clone(dec.Extra)
}

// DeviceStore keeps device authorizations (RFC 8628).
type DeviceStore interface {
	// CreateDeviceAuthorization stores a new authorization, or returns
	// ErrExists when one with its DeviceCodeHash or UserCodeHash is
	// stored already, expired or not.
	CreateDeviceAuthorization(ctx context.Context, d *DeviceAuthorization) error
	// DeviceAuthorizationByUserCode returns the pending authorization
	// whose UserCodeHash is hash, or ErrNotFound when there is none, or
	// it is decided or expired at now.
	DeviceAuthorizationByUserCode(ctx context.Context, hash string, now time.Time) (*DeviceAuthorization, error)
	// DecideDeviceAuthorization applies the decision to the pending
	// authorization whose UserCodeHash is hash and returns it, or returns
	// ErrNotFound when there is none, or it is decided or expired at now.
	// Of concurrent decisions exactly one succeeds.
	DecideDeviceAuthorization(ctx context.Context, hash string, dec *DeviceDecision, now time.Time) (*DeviceAuthorization, error)
	// PollDeviceAuthorization applies DeviceAuthorization.Poll at now to
	// the authorization whose DeviceCodeHash is hash, stores the result
	// and returns it with the outcome, in one atomic step: of concurrent
	// polls of an approved authorization exactly one gets PollApproved.
	// An unknown authorization, or one of another client, returns
	// ErrNotFound and is left as it is. now must not be zero.
	PollDeviceAuthorization(ctx context.Context, hash, clientID string, now time.Time) (*DeviceAuthorization, DevicePoll, error)
}
