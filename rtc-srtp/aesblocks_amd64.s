//go:build !purego

#include "textflag.h"

// func cpuid(eax, ecx uint32) (a, b, c, d uint32)
TEXT ·cpuid(SB), NOSPLIT, $0-24
	MOVL eax+0(FP), AX
	MOVL ecx+4(FP), CX
	CPUID
	MOVL AX, a+8(FP)
	MOVL BX, b+12(FP)
	MOVL CX, c+16(FP)
	MOVL DX, d+20(FP)
	RET

// func encryptBlocksAsm(rounds int, xk *byte, b *byte, nblocks int)
// Encrypts nblocks 16-byte blocks at b in place (ECB), eight at a time so
// that the AESENC latencies overlap.
TEXT ·encryptBlocksAsm(SB), NOSPLIT, $0-32
	MOVQ rounds+0(FP), CX
	MOVQ xk+8(FP), AX
	MOVQ b+16(FP), DI
	MOVQ nblocks+24(FP), DX

loop8:
	CMPQ DX, $8
	JB   loop1
	MOVUPS 0(DI), X0
	MOVUPS 16(DI), X1
	MOVUPS 32(DI), X2
	MOVUPS 48(DI), X3
	MOVUPS 64(DI), X4
	MOVUPS 80(DI), X5
	MOVUPS 96(DI), X6
	MOVUPS 112(DI), X7
	MOVUPS 0(AX), X8
	PXOR   X8, X0
	PXOR   X8, X1
	PXOR   X8, X2
	PXOR   X8, X3
	PXOR   X8, X4
	PXOR   X8, X5
	PXOR   X8, X6
	PXOR   X8, X7
	LEAQ   16(AX), BX
	MOVQ   CX, R8
	DECQ   R8

round8:
	MOVUPS (BX), X8
	AESENC X8, X0
	AESENC X8, X1
	AESENC X8, X2
	AESENC X8, X3
	AESENC X8, X4
	AESENC X8, X5
	AESENC X8, X6
	AESENC X8, X7
	ADDQ   $16, BX
	DECQ   R8
	JNZ    round8
	MOVUPS     (BX), X8
	AESENCLAST X8, X0
	AESENCLAST X8, X1
	AESENCLAST X8, X2
	AESENCLAST X8, X3
	AESENCLAST X8, X4
	AESENCLAST X8, X5
	AESENCLAST X8, X6
	AESENCLAST X8, X7
	MOVUPS X0, 0(DI)
	MOVUPS X1, 16(DI)
	MOVUPS X2, 32(DI)
	MOVUPS X3, 48(DI)
	MOVUPS X4, 64(DI)
	MOVUPS X5, 80(DI)
	MOVUPS X6, 96(DI)
	MOVUPS X7, 112(DI)
	ADDQ   $128, DI
	SUBQ   $8, DX
	JMP    loop8

loop1:
	TESTQ DX, DX
	JZ    done
	MOVUPS 0(DI), X0
	MOVUPS 0(AX), X8
	PXOR   X8, X0
	LEAQ   16(AX), BX
	MOVQ   CX, R8
	DECQ   R8

round1:
	MOVUPS (BX), X8
	AESENC X8, X0
	ADDQ   $16, BX
	DECQ   R8
	JNZ    round1
	MOVUPS     (BX), X8
	AESENCLAST X8, X0
	MOVUPS X0, 0(DI)
	ADDQ   $16, DI
	DECQ   DX
	JMP    loop1

done:
	RET
