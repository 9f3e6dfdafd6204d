package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
)

// TestRevokeFamilyWhileStoring races RevokeFamily against tokens being
// stored in the family, as a replayed authorization code races its first
// exchange (RFC 6749 §4.1.2): whatever the interleaving, every token of
// the family ends revoked.
func TestRevokeFamilyWhileStoring(t *testing.T) {
	for _, tc := range dialects {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, tc.open(t), tc.d)
			const writers = 200
			start := make(chan struct{})
			var wg sync.WaitGroup
			errs := make([]error, writers+1)
			for i := range writers {
				wg.Go(func() {
					<-start
					errs[i] = s.CreateToken(t.Context(), token(fmt.Sprint("t", i), "fam"))
				})
			}
			wg.Go(func() {
				<-start
				errs[writers] = s.RevokeFamily(t.Context(), "fam")
			})
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("call %d: got error %v, want nil", i, err)
				}
			}
			for i := range writers {
				tok := token(fmt.Sprint("t", i), "fam")
				got, err := s.TokenByAccess(t.Context(), tok.AccessHash)
				if err != nil || !got.Revoked {
					t.Errorf("token %s: got (revoked %t, %v), want revoked with its family", tok.ID, got != nil && got.Revoked, err)
				}
			}
		})
	}
}
