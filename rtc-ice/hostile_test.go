package ice

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	shared "github.com/sansrtc/rtc/rtc-shared"
	"github.com/sansrtc/rtc/rtc-shared/netsim"
	stun "github.com/sansrtc/rtc/rtc-stun"
)

// Adversarial tests, written as an attacker would: checks that are almost
// right, floods of what allocates, spoofed sources. See README "Threat model".

// checkOpts describes one crafted Binding request.
type checkOpts struct {
	id          byte
	user        string
	pwd         string
	noFP        bool
	controlling *uint64
	controlled  *uint64
	useCand     bool
}

func craftCheck(o checkOpts) []byte {
	b := stun.NewBuilder(nil, stun.BindingRequest, stun.TransactionID{o.id, 0xA5, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	b.AddUsername(o.user)
	b.AddPriority(1862270975)
	if o.controlling != nil {
		b.AddICEControlling(*o.controlling)
	}
	if o.controlled != nil {
		b.AddICEControlled(*o.controlled)
	}
	if o.useCand {
		b.AddUseCandidate()
	}
	pwd := o.pwd
	if pwd == "" {
		pwd = testLocalPwd
	}
	b.AddMessageIntegrity(stun.NewIntegrity([]byte(pwd)))
	if !o.noFP {
		b.AddFingerprint()
	}
	m, err := b.Bytes()
	if err != nil {
		panic(err)
	}
	return m
}

// responses returns the Binding responses (success or error) in out.
func responses(t *testing.T, out []shared.TaggedBytes) (succ, fail int) {
	t.Helper()
	for _, m := range out {
		var sm stun.Message
		if err := stun.Parse(m.Message, &sm); err != nil {
			t.Fatalf("agent sent a datagram it cannot parse: %v", err)
		}
		switch sm.Type {
		case stun.BindingSuccess:
			succ++
		case stun.BindingError:
			fail++
		}
	}
	return succ, fail
}

func readFrom(a *Agent, now time.Time, peer netip.AddrPort, msg []byte) error {
	return a.HandleRead(shared.TaggedBytes{Now: now, Transport: shared.TransportContext{Local: testLocal, Peer: peer}, Message: msg})
}

// RFC 8445 §7: "the FINGERPRINT mechanism MUST be used for connectivity
// checks". A check with valid MESSAGE-INTEGRITY and no FINGERPRINT is
// dropped, counted and not answered.
func TestCheckWithoutFingerprintDropped(t *testing.T) {
	a := newTestAgent(t, Config{})
	drainAll(a)
	before := a.Stats()
	err := readFrom(a, testStart, testRemote, craftCheck(checkOpts{id: 1, user: testLocalUfrag + ":" + testRemoteUfrag, noFP: true}))
	if !errors.Is(err, ErrBadMessage) {
		t.Fatalf("err = %v, want ErrBadMessage", err)
	}
	if s, f := responses(t, drainAll(a)); s+f != 0 {
		t.Fatalf("answered a check without FINGERPRINT: %d success, %d error", s, f)
	}
	st := a.Stats()
	if st.Dropped != before.Dropped+1 || st.RequestsReceived != before.RequestsReceived {
		t.Fatalf("dropped %d, requests %d", st.Dropped-before.Dropped, st.RequestsReceived-before.RequestsReceived)
	}
}

// RFC 8445 §7.3: USERNAME is exactly "local-ufrag:remote-ufrag" once the
// remote ufrag is known; anything else is a 401.
func TestUsernameMustMatchExactly(t *testing.T) {
	for i, user := range []string{
		testLocalUfrag + ":",
		testLocalUfrag + ":x:y",
		testLocalUfrag + ":" + testRemoteUfrag + ":x",
		testLocalUfrag + ":" + testRemoteUfrag + "X",
		testLocalUfrag + ":OTHR",
		testLocalUfrag + "X:" + testRemoteUfrag,
		":" + testRemoteUfrag,
		testLocalUfrag,
	} {
		a := newTestAgent(t, Config{})
		drainAll(a)
		err := readFrom(a, testStart, testRemote, craftCheck(checkOpts{id: byte(i), user: user}))
		if !errors.Is(err, ErrBadMessage) {
			t.Errorf("USERNAME %q: err = %v, want ErrBadMessage", user, err)
		}
		if s, _ := responses(t, drainAll(a)); s != 0 {
			t.Errorf("USERNAME %q: answered with success", user)
		}
		if a.Stats().RequestsReceived != 0 {
			t.Errorf("USERNAME %q: counted as a request", user)
		}
	}
	a := newTestAgent(t, Config{})
	drainAll(a)
	if err := readFrom(a, testStart, testRemote, craftCheck(checkOpts{id: 1, user: testLocalUfrag + ":" + testRemoteUfrag})); err != nil {
		t.Fatal(err)
	}
	if s, _ := responses(t, drainAll(a)); s != 1 {
		t.Fatal("the exact USERNAME was not answered")
	}
}

// Before the remote ufrag is known (the check beat the answer), RFC 8445
// §7.3 lets the agent answer "local:<anything>", and this agent takes a
// non-empty remote part without a colon only.
func TestUsernameBeforeRemoteUfrag(t *testing.T) {
	for _, tc := range []struct {
		user string
		ok   bool
	}{
		{testLocalUfrag + ":ANY1", true},
		{testLocalUfrag + ":", false},
		{testLocalUfrag + ":a:b", false},
		{"OTHR:ANY1", false},
	} {
		a, err := NewAgent(Config{LocalUfrag: testLocalUfrag, LocalPassword: testLocalPwd, Rand: zeroRand{}})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.HandleTimeout(testStart); err != nil {
			t.Fatal(err)
		}
		if err := a.AddLocalAddress(testLocal, shared.UDP); err != nil {
			t.Fatal(err)
		}
		drainAll(a)
		err = readFrom(a, testStart, testRemote, craftCheck(checkOpts{id: 1, user: tc.user}))
		s, _ := responses(t, drainAll(a))
		if tc.ok && (err != nil || s != 1) {
			t.Errorf("%q: err %v, %d answers; want answered", tc.user, err, s)
		}
		if !tc.ok && (!errors.Is(err, ErrBadMessage) || s != 0) {
			t.Errorf("%q: err %v, %d answers; want refused", tc.user, err, s)
		}
	}
}

func u64(v uint64) *uint64 { return &v }

// RFC 8445 §7.3.1.1: "If the agent's tie-breaker value is larger than or
// equal to the contents of the ICE-CONTROLLING attribute, the agent
// generates a Binding error response and includes an ERROR-CODE attribute
// with a value of 487"; and for ICE-CONTROLLED, "larger than or equal"
// makes the agent switch to controlling. Equal values, both ways.
func TestEqualTieBreakers(t *testing.T) {
	t.Run("controlling receives equal ICE-CONTROLLING", func(t *testing.T) {
		a := newTestAgent(t, Config{Role: RoleControlling})
		drainAll(a)
		tb := a.tieBreaker
		if err := readFrom(a, testStart, testRemote, craftCheck(checkOpts{id: 1, user: testLocalUfrag + ":" + testRemoteUfrag, controlling: u64(tb)})); err != nil {
			t.Fatal(err)
		}
		out := drainAll(a)
		if s, f := responses(t, out); s != 0 || f != 1 {
			t.Fatalf("%d success, %d error; want one 487", s, f)
		}
		if a.Role() != RoleControlling {
			t.Fatalf("role %v, want controlling kept", a.Role())
		}
	})
	t.Run("controlled receives equal ICE-CONTROLLED", func(t *testing.T) {
		a := newTestAgent(t, Config{Role: RoleControlled})
		drainAll(a)
		tb := a.tieBreaker
		if err := readFrom(a, testStart, testRemote, craftCheck(checkOpts{id: 1, user: testLocalUfrag + ":" + testRemoteUfrag, controlled: u64(tb)})); err != nil {
			t.Fatal(err)
		}
		if s, f := responses(t, drainAll(a)); s != 1 || f != 0 {
			t.Fatalf("%d success, %d error; want a success after switching", s, f)
		}
		if a.Role() != RoleControlling {
			t.Fatalf("role %v, want controlling", a.Role())
		}
	})
}

// Two agents whose tie-breakers are equal still settle on one controlling
// agent and connect, whatever role each starts in.
func TestEqualTieBreakersConnect(t *testing.T) {
	for _, both := range []Role{RoleControlling, RoleControlled} {
		for seed := uint64(1); seed <= 3; seed++ {
			name := fmt.Sprintf("both-%v/seed%d", both, seed)
			w := build(t, scenario{seed: seed, natA: open, natB: open, link: netsim.LinkConfig{Delay: 10 * time.Millisecond}},
				Config{Role: both}, Config{Role: both})
			if both == RoleControlled {
				w.pa.a.SetRole(RoleControlled)
			}
			w.pb.a.tieBreaker = w.pa.a.tieBreaker
			defer func() { t.Logf("roles A %v B %v; states A %v B %v", w.pa.roles, w.pb.roles, w.pa.states, w.pb.states) }()
			w.connect(t, name, 20*time.Second)
			if w.pa.a.Role() == w.pb.a.Role() {
				t.Fatalf("%s: roles still equal: %v", name, w.pa.a.Role())
			}
			w.exchange(t, name)
		}
	}
}
