package storage

import (
	"slices"
	"time"

	"github.com/grantry/grantry"
)

// Consent is a remembered approval: the user Subject let the client
// ClientID have Scope, and the claims Claims. An authorization request for
// no more than Scope and Claims need not ask the user again. The backends
// (memstore, sqlstore) keep consents, one per user and client; the
// interface to them is declared where it is used, and storagetest checks
// it (Consents).
type Consent struct {
	Subject  string
	ClientID string
	Scope    grantry.Scope
	// Claims are the names of the OpenID Connect claims the user agreed to
	// release beyond those Scope gives: the ones the client asked for with
	// the claims request parameter (OpenID Connect Core 1.0 §5.5). They
	// are sorted, without duplicates; nil and empty both mean none.
	// Backends keep them as given.
	Claims    []string
	CreatedAt time.Time
}

// Clone returns a deep copy of c.
func (c *Consent) Clone() *Consent {
	d := *c
	d.Scope = slices.Clone(c.Scope)
	d.Claims = slices.Clone(c.Claims)
	return &d
}
