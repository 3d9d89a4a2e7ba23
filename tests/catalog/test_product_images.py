"""Product pictures: seeded artwork with thumbnails, srcset / lazy / alt on the pages."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from PIL import Image

from catalog import artwork
from catalog.models import Product, ProductImage
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def pictured(name: str, slug: str, category=None, extra: int = 0) -> Product:
    """A product whose cover (and ``extra`` more pictures) are rendered artwork."""
    product = ProductFactory(name=name, slug=slug, **({"category": category} if category else {}))
    data = artwork.render(product.category.slug, product.sku, name, width=480)
    product.image.save(f"{slug}.jpg", ContentFile(data), save=False)
    product.image_alt = f"{name}, illustration"
    product.save()
    for position in range(1, extra + 1):
        picture = ProductImage(
            product=product, position=position, alt_text=f"{name}, view {position}"
        )
        picture.image.save(f"{slug}-{position}.jpg", ContentFile(data), save=False)
        picture.save()
    return product


def test_seed_gives_every_product_a_cover_and_a_second_picture_with_thumbnails(settings):
    # Given an empty database / When the demo seed runs twice
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    # Then every product has a 1200 x 900 cover with alt text and one more picture, and both
    # have their 400 and 800 px thumbnails on disk
    media = Path(settings.MEDIA_ROOT)
    products = list(Product.objects.prefetch_related("images"))
    assert len(products) == 45
    assert ProductImage.objects.count() == 45
    for product in products:
        stem = product.sku.lower()
        assert product.image.name == f"products/{stem}-1.jpg"
        assert product.image_alt == f"{product.name}, illustration"
        assert [p.image.name for p in product.images.all()] == [f"products/{stem}-2.jpg"]
        for number in (1, 2):
            assert (media / f"products/{stem}-{number}-w400.jpg").is_file()
            assert (media / f"products/{stem}-{number}-w800.jpg").is_file()
    with Image.open(media / "products/cof-001-1.jpg") as cover:
        assert cover.size == (1200, 900)
    with Image.open(media / "products/cof-001-1-w400.jpg") as thumb:
        assert thumb.size == (400, 300)


def test_listing_renders_srcset_lazy_and_alt(client):
    # Given a product with a picture and one without
    pictured("Sencha", "sencha")
    ProductFactory(name="Teapot", slug="teapot")
    # When the listing is opened
    html = client.get("/products/").content.decode()
    # Then the picture comes with thumbnails, lazily, described; the other keeps the placeholder
    assert (
        '<img src="/media/products/sencha.jpg" srcset="/media/products/sencha-w400.jpg 400w, '
        '/media/products/sencha-w800.jpg 800w" sizes="(max-width: 640px) 100vw, 320px" '
        'width="1200" height="900" alt="Sencha, illustration" loading="lazy" decoding="async">'
    ) in html
    assert html.count("<img ") == 1
    assert '<span class="placeholder placeholder-' in html


def test_detail_renders_cover_and_gallery(client):
    # Given a product with a cover and two more pictures
    pictured("Sencha", "sencha", extra=2)
    # When its page is opened
    html = client.get("/products/sencha/").content.decode()
    # Then the cover is eager with every size, the gallery lazy with its own alt texts
    assert (
        'srcset="/media/products/sencha-w400.jpg 400w, /media/products/sencha-w800.jpg 800w, '
        '/media/products/sencha.jpg 1200w"'
    ) in html
    assert 'alt="Sencha, illustration" data-testid="cover">' in html
    assert 'alt="Sencha, view 1" loading="lazy"' in html
    assert 'alt="Sencha, view 2" loading="lazy"' in html


def test_cart_shows_the_thumbnail_with_alt(client):
    # Given a cart with a pictured product
    product = pictured("Sencha", "sencha")
    client.post("/cart/add/", {"product_id": product.pk, "quantity": 1})
    # When the cart is opened
    html = client.get("/cart/").content.decode()
    # Then the line shows the small picture, described
    assert (
        'srcset="/media/products/sencha-w400.jpg 400w, /media/products/sencha-w800.jpg 800w"'
        in html
    )
    assert 'alt="Sencha, illustration" loading="lazy"' in html


def test_picture_queries_do_not_grow_with_products(client, django_assert_max_num_queries):
    # Given 2 and then 10 pictured products in one category, each with 2 more pictures
    tea = CategoryFactory(name="Tea", slug="tea")
    for i in range(2):
        pictured(f"Tea {i}", f"tea-{i}", category=tea, extra=2)
    # When the listing and a product page are opened / Then the listing needs no picture query
    # and the product page one for its gallery (the related cards use their covers)
    with django_assert_max_num_queries(4) as few:
        client.get("/products/")
    for i in range(2, 10):
        pictured(f"Tea {i}", f"tea-{i}", category=tea, extra=2)
    with django_assert_max_num_queries(4) as many:
        client.get("/products/")
    assert len(few) == len(many)
    with django_assert_max_num_queries(4):
        client.get("/products/tea-0/")
