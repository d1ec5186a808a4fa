"""Tests of ganlib/models.py: shapes, input validation, spectral norm, init, and a D that
learns the analytic optimal discriminator D*."""

import numpy as np
import pytest
import torch
from torch import nn

from ganlib import data, losses, models, theory


@pytest.mark.parametrize("latent_dim, out_dim", [(1, 1), (2, 2), (10, 64)])
def test_mlp_generator_and_discriminator_shapes(latent_dim, out_dim):
    G = models.MLPGenerator(latent_dim, out_dim, hidden=(16, 16))
    D = models.MLPDiscriminator(out_dim, hidden=(16,))
    x_fake = G(torch.randn(5, latent_dim))
    assert x_fake.shape == (5, out_dim) and G.latent_dim == latent_dim and G.out_dim == out_dim
    assert D(x_fake).shape == (5,) and D.in_dim == out_dim


def test_mlp_options():
    mlp = models.MLP(3, 4, hidden=(8,), activation="tanh", output="tanh")
    y = mlp(100 * torch.randn(50, 3))
    assert y.shape == (50, 4) and y.abs().max() <= 1.0
    assert isinstance(models.MLP(2, 1, activation="leaky_relu").net[1], nn.LeakyReLU)
    assert models.MLP(2, 1, activation="leaky_relu").net[1].negative_slope == 0.2
    assert models.MLPDiscriminator(1)(torch.randn(7)).shape == (7,)  # (B,) ok when in_dim=1


def test_wrong_input_shapes_raise():
    D = models.MLPDiscriminator(in_dim=2)
    with pytest.raises(ValueError, match=r"x has shape \(4, 3\); expected \(B, 2\)"):
        D(torch.randn(4, 3))
    G = models.MLPGenerator(latent_dim=2)
    with pytest.raises(ValueError, match=r"z has shape \(4, 5\); expected \(B, 2\)"):
        G(torch.randn(4, 5))
    Dc = models.DCGANDiscriminator(image_size=8)
    with pytest.raises(ValueError, match=r"expected \(B, 1, 8, 8\)"):
        Dc(torch.randn(2, 1, 28, 28))
    with pytest.raises(ValueError, match=r"expected \(B, 1, 8, 8\)"):
        Dc(torch.randn(2, 64))


def test_bad_constructor_arguments_raise():
    with pytest.raises(ValueError, match=r"activation='swish' is not one of"):
        models.MLP(2, 1, activation="swish")
    with pytest.raises(ValueError, match=r"output='softmax'"):
        models.MLP(2, 1, output="softmax")
    with pytest.raises(ValueError, match=r"image_size=16 is not one of 8, 28"):
        models.DCGANGenerator(image_size=16)
    with pytest.raises(ValueError, match="in_dim="):
        models.MLPDiscriminator(in_dim=0)


@pytest.mark.parametrize("size", [8, 28])
def test_dcgan_shapes_and_range(size):
    G = models.DCGANGenerator(latent_dim=16, image_size=size, width=8)
    D = models.DCGANDiscriminator(image_size=size, width=8)
    x_fake = G(torch.randn(3, 16))
    assert x_fake.shape == (3, 1, size, size) and x_fake.abs().max() <= 1.0
    assert D(x_fake).shape == (3,)


def test_dcgan_init_statistics():
    torch.manual_seed(0)
    G = models.dcgan_init(models.DCGANGenerator(latent_dim=32, image_size=28, width=64))
    w = G.deconv[0].weight  # 128·64·16 = 131k weights
    assert abs(w.mean()) < 1e-3 and abs(w.std() - 0.02) < 1e-3
    bn = G.deconv[1]
    assert abs(bn.weight.mean() - 1) < 0.01 and abs(bn.weight.std() - 0.02) < 0.005
    assert torch.all(bn.bias == 0) and torch.all(G.deconv[3].bias == 0)
    D = models.DCGANDiscriminator(image_size=8, spectral_norm=True)
    D.apply(models.dcgan_init)  # also works via .apply and on spectral-normed layers
    assert abs(D.net[0].parametrizations.weight.original.std() - 0.02) < 0.005


def test_spectral_norm_bounds_each_layer():
    torch.manual_seed(0)
    D = models.MLPDiscriminator(2, hidden=(32, 32), spectral_norm=True)
    for _ in range(100):  # power iterations run in training-mode forwards
        D(torch.randn(8, 2))
    linears = [m for m in D.modules() if isinstance(m, nn.Linear)]
    assert len(linears) == 3
    for layer in linears:
        sigma = torch.linalg.matrix_norm(layer.weight.detach(), ord=2)
        assert sigma == pytest.approx(1.0, abs=0.02)


def test_build_models():
    G, D = models.build_models("ring")
    assert isinstance(G, models.MLPGenerator) and G.latent_dim == 2 and D.in_dim == 2
    G, D = models.build_models("sine")
    assert G.out_dim == 64 and G.latent_dim == 10
    G, D = models.build_models("digits", latent_dim=8, width=8)
    assert isinstance(D, models.DCGANDiscriminator) and G(torch.randn(2, 8)).shape == (2, 1, 8, 8)
    G, D = models.build_models(torch.zeros(10, 1, 28, 28), width=8)
    assert G.image_size == 28 and D.image_size == 28
    with pytest.raises(ValueError, match="dataset="):
        models.build_models(42)


def test_discriminator_learns_optimal_discriminator():
    """D trained with BCE on p_data = N(0, 1) vs p_g = N(1.5, 1) approaches
    D*(x) = p_data/(p_data + p_g) = sigmoid(1.125 - 1.5 x) within 0.05 on [-2, 3.5], and its
    expected BCE approaches the minimum -V(D*, G) = log 4 - 2·JSD from above."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    p_data, p_g = data.Gaussian1D(0.0, 1.0), data.Gaussian1D(1.5, 1.0)
    D = models.MLPDiscriminator(in_dim=1, hidden=(32, 32))
    opt = torch.optim.Adam(D.parameters(), lr=3e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=1500)
    for _ in range(1500):
        x_real = p_data.sample(256, generator=gen)  # (256, 1)
        x_fake = p_g.sample(256, generator=gen)
        loss = losses.discriminator_loss(D(x_real), D(x_fake))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    x = torch.linspace(-2, 3.5, 221)
    with torch.no_grad():
        d_learned = torch.sigmoid(D(x[:, None])).double()
    d_star = theory.optimal_discriminator(p_data, p_g, x)
    torch.testing.assert_close(d_star, torch.sigmoid(1.125 - 1.5 * x.double()))
    assert (d_learned - d_star).abs().max() < 0.05
    # expected BCE of the learned D by integration; D* minimises it with value -V(D*, G)
    grid = torch.linspace(-9, 10.5, 20001, dtype=torch.float64)
    with torch.no_grad():
        logit = D(grid[:, None].float()).double()
    integrand = (p_data.pdf(grid) * torch.nn.functional.softplus(-logit)
                 + p_g.pdf(grid) * torch.nn.functional.softplus(logit))
    bce = float(torch.trapezoid(integrand, grid))
    v_star = theory.value_at_optimum(p_data, p_g, -12, 14)
    assert 0 <= bce - (-v_star) < 2e-3


@pytest.mark.parametrize("build, name", [
    (lambda: models.MLP(2.0, 2), "in_dim"), (lambda: models.MLP(2, 0), "out_dim"),
    (lambda: models.MLP(2, 2, hidden=(8, -1)), "hidden"),
    (lambda: models.MLP(2, 2, activation="gelu"), "activation"),
    (lambda: models.MLPGenerator(latent_dim=True), "latent_dim"),
])
def test_bad_arguments_are_refused_by_name(build, name):
    with pytest.raises((ValueError, TypeError), match=rf"{name}="):
        build()


def test_numpy_integers_work():
    net = models.MLP(np.int64(3), np.int64(2), hidden=(np.int64(4),))
    assert net(torch.zeros(5, 3)).shape == (5, 2)


def test_conditional_dcgan_shapes_and_one_hot_input():
    torch.manual_seed(0)
    G = models.DCGANGenerator(latent_dim=4, image_size=8, width=8, n_classes=3).eval()
    D = models.DCGANDiscriminator(image_size=8, width=8, n_classes=3).eval()
    z, y = torch.randn(6, 4), torch.tensor([0, 1, 2, 2, 1, 0])
    x = G(z, y)
    assert x.shape == (6, 1, 8, 8) and D(x, y).shape == (6,)
    one_hot = torch.eye(3)[y]                       # soft-label path, same codes
    assert torch.allclose(G(z, one_hot), x)
    # the first layer computes W_z z + W_y e_y: the label selects a column of W_y
    W = G.project[0].weight                         # (2w·4, 4 + 3)
    assert torch.allclose(G.project[0](torch.cat([z, one_hot], 1)),
                          z @ W[:, :4].T + W[:, 4 + y].T)
    # a blend of two codes lies between them in the first layer (latent interpolation)
    mid = G.project[0](torch.cat([z[:1], 0.5 * (torch.eye(3)[:1] + torch.eye(3)[1:2])], 1))
    ends = [G.project[0](torch.cat([z[:1], torch.eye(3)[k:k + 1]], 1)) for k in (0, 1)]
    assert torch.allclose(mid, 0.5 * (ends[0] + ends[1]), atol=1e-6)
    assert models.DCGANGenerator(image_size=8, width=8).project[0].in_features == 32


def test_projection_discriminator_formula():
    torch.manual_seed(0)
    D = models.dcgan_init(models.DCGANDiscriminator(image_size=8, width=8, n_classes=4))
    D.eval()
    x, y = torch.randn(5, 1, 8, 8), torch.tensor([3, 0, 1, 2, 3])
    phi = D.net[:-1](x)                                           # (5, 2w·4) features
    w, b = D.net[-1].weight[0], D.net[-1].bias[0]
    expected = phi @ w + b + (D.embed.weight[y] * phi).sum(1)     # (ch06-proj)
    assert torch.allclose(D(x, y), expected, atol=1e-6)
    # changing the label changes only the projection term: (v_y - v_y')·φ(x)
    y2 = (y + 1) % 4
    assert torch.allclose(D(x, y) - D(x, y2),
                          ((D.embed.weight[y] - D.embed.weight[y2]) * phi).sum(1), atol=1e-6)
    assert not torch.allclose(D(x, y), D(x, y2))
    assert abs(D.embed.weight.std() - 0.02) < 0.005               # dcgan_init covers it


def test_conditional_dcgan_label_validation():
    G = models.DCGANGenerator(latent_dim=4, image_size=8, width=8, n_classes=3)
    D = models.DCGANDiscriminator(image_size=8, width=8, n_classes=3)
    z, x = torch.randn(2, 4), torch.randn(2, 1, 8, 8)
    with pytest.raises(ValueError, match=r"y is missing: the model is conditional \(n_classes=3\)"):
        G(z)
    with pytest.raises(ValueError, match=r"labels in \[0, 3\]; allowed: integers in \[0, 3\)"):
        D(x, torch.tensor([0, 3]))
    with pytest.raises(ValueError, match=r"y has shape \(3,\).*expected \(2,\) integers"):
        G(z, torch.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match=r"\(2, 3\) float label weights"):
        G(z, torch.zeros(2, 4))
    with pytest.raises(ValueError, match=r"expected \(2,\) integers in \[0, 3\)$"):
        D(x, torch.eye(3)[:2])                      # D takes class indices only
    with pytest.raises(ValueError, match="must be a tensor of class labels"):
        G(z, [0, 1])
    with pytest.raises(ValueError, match=r"y was given but the model is unconditional"):
        models.DCGANGenerator(latent_dim=4, image_size=8, width=8)(z, torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="n_classes=0 must be a positive integer"):
        models.DCGANDiscriminator(n_classes=0)
