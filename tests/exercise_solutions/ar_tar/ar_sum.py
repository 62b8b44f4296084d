"""Wrong: AR sums instead of averaging and loses the gradient."""


def ar_penalty(acts, alpha):
    return alpha * acts.pow(2).sum()


def tar_penalty(acts, beta):
    return beta * (acts[:, 1:] - acts[:, :-1]).pow(2).mean()
