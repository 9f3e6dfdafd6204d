package storage

import (
	"context"
	"slices"
	"time"

	"github.com/grantry/grantry"
)

// Consent is a remembered approval: the user Subject let the client
// ClientID have Scope. An authorization request for no more than Scope
// need not ask the user again.
type Consent struct {
	Subject   string
	ClientID  string
	Scope     grantry.Scope
	CreatedAt time.Time
}

// Clone returns a deep copy of c.
func (c *Consent) Clone() *Consent {
	d := *c
	d.Scope = slices.Clone(c.Scope)
	return &d
}

// ConsentStore keeps remembered consents, one per user and client.
type ConsentStore interface {
	// GetConsent returns the consent of subject for clientID, or
	// ErrNotFound.
	GetConsent(ctx context.Context, subject, clientID string) (*Consent, error)
	// SaveConsent stores c, replacing any consent of the same Subject and
	// ClientID.
	SaveConsent(ctx context.Context, c *Consent) error
	// DeleteConsent removes the consent of subject for clientID. An
	// unknown consent is not an error.
	DeleteConsent(ctx context.Context, subject, clientID string) error
}
