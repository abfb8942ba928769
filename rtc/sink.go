package rtc

import (
	"errors"

	shared "github.com/sansrtc/rtc/rtc-shared"
)

// sink is where the parts put what the application must see: events,
// received messages, counters, and errors recorded while no caller was
// listening. The PeerConnection owns it and hands it to the parts it
// calls; a part writes into it and never calls the PeerConnection, so
// calls go downward only.
type sink struct {
	events     shared.EventQueue[Event]
	reads      shared.Queue[Message]
	stats      Stats
	pendingErr error
	// polledEvents: a Poll* queued events since PollEvent last reported
	// false, so PollTimeout must say now (the drain rule).
	polledEvents bool
	// channelsOpened counts data channels that entered "open" (W3C
	// RTCPeerConnectionStats.dataChannelsOpened, read by getStats).
	channelsOpened uint64
}

// emit queues an event. A full queue loses the event, but never silently
// (the contract's one overflow rule, shared.EventQueue): the loss is
// counted and reported by the Handle* during which it happened, or by the
// next one (report).
func (s *sink) emit(e Event) {
	if e.Kind == EventDataChannelOpen {
		s.channelsOpened++
	}
	s.events.Push(e)
}

// emitError reports a layer's error as an EventError; nil is ignored.
func (s *sink) emitError(layer string, err error) {
	if err == nil {
		return
	}
	var le *LayerError
	if !errors.As(err, &le) {
		err = layerErr(layer, err)
	}
	s.emit(Event{Kind: EventError, Err: err})
}

// report returns err joined with what was recorded since the last
// report: errors found while no caller was listening and lost events
// (*shared.OverflowError, wrapping shared.ErrQueueFull). Every Handle*
// ends with it.
func (s *sink) report(err error) error {
	if s.pendingErr != nil {
		err = errors.Join(err, s.pendingErr)
		s.pendingErr = nil
	}
	return s.events.Report(err)
}
