package memstore

import (
	"context"

	"github.com/grantry/grantry/storage"
)

// GetConsent returns a copy of the consent of subject for clientID, or
// storage.ErrNotFound.
func (s *Store) GetConsent(_ context.Context, subject, clientID string) (*storage.Consent, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.accounts.consents[consentKey{subject, clientID}]
	if !ok {
		return nil, storage.ErrNotFound
	}
	return c.Clone(), nil
}

// SaveConsent stores a copy of c, replacing any consent of the same
// Subject and ClientID.
func (s *Store) SaveConsent(_ context.Context, c *storage.Consent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts.init()
	s.accounts.consents[consentKey{c.Subject, c.ClientID}] = c.Clone()
	return nil
}

// DeleteConsent removes the consent of subject for clientID, if any.
func (s *Store) DeleteConsent(_ context.Context, subject, clientID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.accounts.consents, consentKey{subject, clientID})
	return nil
}
