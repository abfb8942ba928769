package contracttest

// Rand is the seeded pseudo-random source the suite draws its verbs and
// inputs from, and hands to a Subject's Random* generators. It is
// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", 2014): tiny, allocation-free and the same sequence for the
// same seed on every platform, so a failing seed replays exactly.
type Rand struct {
	state uint64
}

// NewRand returns a Rand whose sequence is fixed by seed.
func NewRand(seed uint64) *Rand { return &Rand{state: seed} }

// Uint64 returns the next 64 pseudo-random bits.
func (r *Rand) Uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Uint32 returns the next 32 pseudo-random bits.
func (r *Rand) Uint32() uint32 { return uint32(r.Uint64() >> 32) }

// IntN returns a pseudo-random int in [0, n); 0 when n <= 0. The modulo
// bias is below 2^-32 for the small n a test draws, which is immaterial.
func (r *Rand) IntN(n int) int {
	if n <= 0 {
		return 0
	}
	return int(r.Uint64() % uint64(n))
}
