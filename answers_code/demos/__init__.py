"""Small runnable experiments the chapter's questions ask for, one module per demo.

Each module has `run(ctx: RunContext) -> dict`: it logs what a learner should look at and
returns the key figures the answer's checks test.
"""
