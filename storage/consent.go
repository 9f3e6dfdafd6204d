package storage

import (
	"slices"
	"time"

	"github.com/grantry/grantry"
)

// Consent is a remembered approval: the user Subject let the client
// ClientID have Scope. An authorization request for no more than Scope
// need not ask the user again. The backends (memstore, sqlstore) keep
// consents, one per user and client; the interface to them is declared
// where it is used, and storagetest checks it (Consents).
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
