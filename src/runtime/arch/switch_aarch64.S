// AArch64 (AAPCS64) context switch. See context.hpp for the design.
//
// Saved frame (176 bytes), from the saved stack pointer upwards:
//   x19..x28, x29 (fp), x30 (lr), d8..d15
// A fresh context (Context::prepare) holds the same frame with x19 = entry, x20 = arg and
// x30 = goro_context_trampoline.

        .text
        .globl  goro_switch
        .type   goro_switch, %function
        .p2align 4
goro_switch:
        .cfi_startproc
        sub     sp, sp, #176
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mov     x9, sp
        str     x9, [x0]
        mov     sp, x1
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8, d9, [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #176
        ret
        .cfi_endproc
        .size   goro_switch, .-goro_switch

        .globl  goro_context_trampoline
        .type   goro_context_trampoline, %function
        .p2align 4
goro_context_trampoline:
        .cfi_startproc
        .cfi_undefined x30
        mov     x0, x20
        blr     x19
        brk     #0
        .cfi_endproc
        .size   goro_context_trampoline, .-goro_context_trampoline

        .section .note.GNU-stack,"",%progbits
