"""Correct AR and TAR penalties."""


def ar_penalty(acts, alpha):
    return alpha * acts.pow(2).mean()


def tar_penalty(acts, beta):
    return beta * (acts[:, 1:] - acts[:, :-1]).pow(2).mean()
