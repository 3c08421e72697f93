"""Generalized Decision Transformer (Furuta, Matsuo, Gu, ICLR 2022; arXiv 2111.10364): DT, Categorical DT
and Bidirectional DT on offline data of the sim layer's planar runner, judged by state-marginal matching."""
