package datachannel_test

import (
	"fmt"
	"time"

	datachannel "github.com/sansrtc/rtc/rtc-datachannel"
	shared "github.com/sansrtc/rtc/rtc-shared"
)

// run is the drive loop for two Managers wired back to back (in a
// PeerConnection, PollWrite goes to DTLS and HandleRead gets DTLS
// application data).
func run(now time.Time, m [2]*datachannel.Manager) {
	for range 50 {
		moved := false
		for i := range m {
			for p, ok := m[i].PollWrite(); ok; p, ok = m[i].PollWrite() {
				check(m[1-i].HandleRead(shared.TaggedBytes{Now: now, Message: p.Message}))
				moved = true
			}
			for e, ok := m[i].PollEvent(); ok; e, ok = m[i].PollEvent() {
				if e.Kind == datachannel.EventDataChannel {
					info, _ := m[i].Channel(e.Channel)
					fmt.Printf("side %d: %v %d label=%q ordered=%v\n", i, e.Kind, e.Channel, info.Label, info.Ordered())
				} else {
					fmt.Printf("side %d: %v %d\n", i, e.Kind, e.Channel)
				}
				moved = true
			}
			for r, ok := m[i].PollRead(); ok; r, ok = m[i].PollRead() {
				fmt.Printf("side %d: message on %d binary=%v %q\n", i, r.Channel, r.Binary, r.Data)
				moved = true
			}
		}
		if !moved {
			return
		}
	}
}

// check prints an error, so that the example's output shows it.
func check(err error) {
	if err != nil {
		fmt.Println("error:", err)
	}
}

// The DTLS client opens an in-band channel (even id), the server answers
// on it and the client closes it; both sides see the close.
func Example() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	client, err := datachannel.New(datachannel.Config{DTLSClient: true})
	check(err)
	server, err := datachannel.New(datachannel.Config{DTLSClient: false})
	check(err)
	m := [2]*datachannel.Manager{client, server}

	id, err := client.Open(datachannel.Options{Label: "chat"})
	check(err)
	check(client.Connect(now))
	check(server.Connect(now))
	run(now, m)

	check(server.Send(id, []byte("hi from the server"), false))
	check(client.Send(id, nil, true)) // an empty binary message
	run(now, m)

	check(client.CloseChannel(id))
	run(now, m)
	// Output:
	// side 1: Connected 0
	// side 0: Connected 0
	// side 0: Open 0
	// side 1: DataChannel 0 label="chat" ordered=true
	// side 0: BufferedAmountLow 0
	// side 1: BufferedAmountLow 0
	// side 1: message on 0 binary=true ""
	// side 0: message on 0 binary=false "hi from the server"
	// side 1: Closing 0
	// side 0: Close 0
	// side 1: Close 0
}
