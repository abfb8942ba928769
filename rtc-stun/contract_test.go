package stun

import (
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/contracttest"
)

// The client transaction machine keeps the shared contract (issue 12):
// rtc-shared/contracttest's conformance suite.
func TestClientContract(t *testing.T) {
	type P = shared.Protocol[struct{}, shared.TaggedBytes, Command, Event]
	ids := func(r *contracttest.Rand) TransactionID { return TransactionID{byte(r.IntN(8)), 0x5A} }
	contracttest.Run(t, contracttest.Subject[struct{}, shared.TaggedBytes, Command, Event]{
		New: func(t *testing.T) (P, time.Time) {
			c := NewClient(Config{MaxTransactions: 8, MaxEvents: 4})
			must(t, c.HandleWrite(shared.TaggedBytes{Now: t0, Transport: udpPath, Message: bindingRequest(t, TransactionID{1, 0x5A})}))
			return c, t0
		},
		RandomRead: func(r *contracttest.Rand, now time.Time) shared.TaggedBytes {
			if r.IntN(4) == 0 {
				b := make([]byte, r.IntN(64))
				for i := range b {
					b[i] = byte(r.Uint32())
				}
				return shared.TaggedBytes{Now: now, Transport: udpPath, Message: b}
			}
			return shared.TaggedBytes{Now: now, Transport: udpPath, Message: bindingResponse(t, ids(r), clientAddr)}
		},
		RandomWrite: func(r *contracttest.Rand) shared.TaggedBytes {
			return shared.TaggedBytes{Transport: udpPath, Message: bindingRequest(t, ids(r))}
		},
		RandomEvent: func(r *contracttest.Rand) Command { return Command{Cancel: ids(r)} },
		FillEvents: func(t *testing.T, m P, now time.Time) contracttest.Fill {
			var f contracttest.Fill
			for i := range 8 {
				id := TransactionID{byte(i), 0xF1}
				f.Errs = append(f.Errs, m.HandleWrite(shared.TaggedBytes{Now: now, Transport: udpPath, Message: bindingRequest(t, id)}))
				for _, ok := m.PollWrite(); ok; _, ok = m.PollWrite() {
				}
				f.Errs = append(f.Errs, m.HandleRead(shared.TaggedBytes{Now: now, Transport: udpPath, Message: bindingResponse(t, id, clientAddr)}))
			}
			f.Produced = 8
			return f
		},
	})
}
