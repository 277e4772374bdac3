// x86-64 System V context switch. See context.hpp for the design.
//
// Saved frame, from the saved stack pointer upwards:
//   r15 r14 r13 r12 rbx rbp <return address>
// A fresh context (Context::prepare) holds the same frame with r12 = entry, r13 = arg and the
// return address pointing at goro_context_trampoline.

        .text
        .globl  goro_switch
        .type   goro_switch, @function
        .p2align 4
goro_switch:
        .cfi_startproc
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        movq    %rsp, (%rdi)
        movq    %rsi, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        // pop + jmp instead of ret: the return predictor would always be wrong here (we return
        // into another context's call), and a mispredicted ret costs more than the whole
        // switch (bench/micro.cpp: 7.7 ns with ret, ~3 ns with jmp).
        popq    %rcx
        jmpq    *%rcx
        .cfi_endproc
        .size   goro_switch, .-goro_switch

        .globl  goro_context_trampoline
        .type   goro_context_trampoline, @function
        .p2align 4
goro_context_trampoline:
        .cfi_startproc
        // The outermost frame of every goroutine: unwinders stop here.
        .cfi_undefined rip
        movq    %r13, %rdi
        callq   *%r12
        ud2
        .cfi_endproc
        .size   goro_context_trampoline, .-goro_context_trampoline

        .section .note.GNU-stack,"",@progbits
