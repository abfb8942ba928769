package ice

import (
	"net/netip"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// turnServer is a placeholder until the TURN client lands.
type turnServer struct{}

func newTurnServer(addr netip.AddrPort, users map[string]string) *turnServer { return &turnServer{} }
func (s *turnServer) relayAddrs() []netip.AddrPort                          { return nil }
func (s *turnServer) HandleRead(shared.TaggedBytes) error                   { return nil }
func (s *turnServer) PollWrite() (shared.TaggedBytes, bool)                 { return shared.TaggedBytes{}, false }
func (s *turnServer) HandleTimeout(time.Time) error                         { return nil }
func (s *turnServer) PollTimeout() (time.Time, bool)                        { return time.Time{}, false }
