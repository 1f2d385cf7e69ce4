"""The 整改台账: problems each agency must rectify, ledgers out and back, states and deadlines."""
