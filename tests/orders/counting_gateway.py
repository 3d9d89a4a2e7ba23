"""The fake gateway, counting its tokenizations: what a card tester gets out of the shop."""

from orders.payments.fake import FakeGateway


class CountingGateway(FakeGateway):
    tokenized: list[str] = []

    def tokenize(self, number, exp_month, exp_year, cvc):
        CountingGateway.tokenized.append(str(number)[-4:])
        return super().tokenize(number, exp_month, exp_year, cvc)
