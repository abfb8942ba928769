//go:build !purego

package srtp

// hasAESNI reports whether the CPU has the AES-NI instructions
// (CPUID.01H:ECX bit 25).
var hasAESNI = func() bool {
	_, _, ecx, _ := cpuid(1, 0)
	return ecx&(1<<25) != 0
}()

//go:noescape
func encryptBlocksAsm(rounds int, xk *byte, b *byte, nblocks int)

func cpuid(eax, ecx uint32) (a, b, c, d uint32)
