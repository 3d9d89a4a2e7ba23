"""factory-boy factories for every model the tests need."""

import uuid
from decimal import Decimal

import factory
from django.utils.text import slugify

from accounts.models import Address, User
from cart.models import Cart, CartItem
from catalog.models import Category, Product, StockLevel
from orders.models import Order, OrderEvent, OrderLine


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create and results:
            instance.save()


class StaffFactory(UserFactory):
    email = factory.Sequence(lambda n: f"staff{n}@example.com")
    is_staff = True
    is_superuser = True


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    full_name = "Ada Lovelace"
    line1 = "1 Analytical Street"
    city = "London"
    postal_code = "N1 9GU"
    country = "GB"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    category = factory.SubFactory(CategoryFactory)
    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = "A fine product."
    price = Decimal("19.99")
    is_active = True
    stock = factory.RelatedFactory(
        "tests.factories.StockLevelFactory", factory_related_name="product", quantity=10
    )


class StockLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockLevel
        django_get_or_create = ("product",)

    product = factory.SubFactory(ProductFactory, stock=None)
    quantity = 10


def set_stock(product: Product, quantity: int) -> Product:
    StockLevel.objects.update_or_create(product=product, defaults={"quantity": quantity})
    product.refresh_from_db()
    return product


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cart

    user = factory.SubFactory(UserFactory)


class CartItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartItem

    cart = factory.SubFactory(CartFactory)
    product = factory.SubFactory(ProductFactory)
    quantity = 1


class OrderFactory(factory.django.DjangoModelFactory):
    """An order as ``place_order`` leaves it (status received, no workflow yet)."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"T{n:07d}")
    checkout_token = factory.LazyFunction(lambda: uuid.uuid4().hex)
    user = None
    email = "guest@example.com"
    ship_full_name = "Grace Hopper"
    ship_line1 = "2 Compiler Road"
    ship_city = "Arlington"
    ship_postal_code = "22201"
    ship_country = "US"
    shipping_method = "standard"
    currency = "EUR"
    subtotal = Decimal("39.98")
    shipping_cost = Decimal("4.90")
    total = Decimal("44.88")
    net_total = factory.LazyAttribute(lambda o: o.total)  # untaxed unless a test says otherwise
    shipping_net = factory.LazyAttribute(lambda o: o.shipping_cost)
    payment_token = "tok_success_test"
    card_brand = "visa"
    card_last4 = "4242"


class OrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderLine

    order = factory.SubFactory(OrderFactory)
    product = factory.SubFactory(ProductFactory)
    sku = factory.LazyAttribute(lambda o: o.product.sku if o.product else "SKU-X")
    name = factory.LazyAttribute(lambda o: o.product.name if o.product else "Gone")
    unit_price = factory.LazyAttribute(lambda o: o.product.price if o.product else Decimal("1.00"))
    quantity = 2
    # Untaxed unless a test says otherwise: what the line cost is its price times its quantity.
    net_amount = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)
    gross_amount = factory.LazyAttribute(lambda o: o.unit_price * o.quantity)


class OrderEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderEvent

    order = factory.SubFactory(OrderFactory)
    kind = "placed"
    to_status = "received"
    message = "Order placed."


def row_counts() -> dict[str, int]:
    """Rows in the tables a rejected request must never write to (compare before and after)."""
    from orders.models import Payment

    models = (Order, OrderLine, OrderEvent, CartItem, Payment)
    return {model.__name__: model.objects.count() for model in models}


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orders.Shipment"

    order = factory.SubFactory(OrderFactory, status="shipped")
    carrier = "Parcelforce"
    tracking_number = factory.Sequence(lambda n: f"TRK{n:09d}")
    status = "created"


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "orders.Payment"

    order = factory.SubFactory(OrderFactory, status="paid")
    kind = "charge"
    status = "succeeded"
    amount = factory.LazyAttribute(lambda o: o.order.total)
    currency = "EUR"
    idempotency_key = factory.LazyAttribute(lambda o: f"order-{o.order.number}-{o.kind}")
    gateway = "orders.payments.fake.FakeGateway"
    gateway_reference = factory.Sequence(lambda n: f"ch_{n:012d}")
    card_brand = "visa"
    card_last4 = "4242"
