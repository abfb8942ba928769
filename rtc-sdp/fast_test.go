package sdp

import "testing"

// FuzzCandidateOK: the one-pass candidate check accepts exactly what
// parseCandidate accepts.
func FuzzCandidateOK(f *testing.F) {
	for _, v := range []string{
		"3692507984 1 udp 2122194687 127.0.0.1 60888 typ host generation 0 network-id 3 network-cost 50",
		"1 1 udp 1 1.2.3.4 9 typ host ", "1 1 udp 1 1.2.3.4 9 typ  host", "candidate:1 1 udp 1 1.2.3.4 9 typ host",
		"1 1 tcp 1 ::1 9 typ host tcptype active", "1 1 tcp 1 ::1 9 typ host tcptype x",
		"1 1 udp 1 1.2.3.4 9 typ srflx raddr 0.0.0.0 rport 1 raddr 1.1.1.1",
		"1 1 udp 1 1.2.3.4 9 typ srflx rport 1 raddr 0.0.0.0", "1 1 udp 1 1.2.3.4 9 typ host generation",
		"1 0 udp 1 1.2.3.4 9 typ host", "1 0001 udp 1 1.2.3.4 9 typ host", "1 1 udp 1 1.2.3.4 9 typ",
		"1 1 udp 1 1.2.3.4 9 typx host", "1 1 udp 4294967296 1.2.3.4 9 typ host",
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		var c Candidate
		slow := parseCandidate(v, &c, false) == nil
		if fast := candidateOK(v); fast != slow {
			t.Fatalf("%q: candidateOK %v, parseCandidate %v", v, fast, slow)
		}
	})
}
