from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "cron_runs" (
    "id" BIGSERIAL NOT NULL PRIMARY KEY,
    "path" VARCHAR(512) NOT NULL,
    "schedule" VARCHAR(256) NOT NULL,
    "scheduled_for" TIMESTAMPTZ,
    "manual" BOOL NOT NULL,
    "started_at" TIMESTAMPTZ,
    "status_code" INT,
    "duration_ms" INT,
    "error" TEXT,
    "created_at" TIMESTAMPTZ NOT NULL,
    "deployment_id" VARCHAR(16) REFERENCES "deployments" ("id") ON DELETE SET NULL,
    "project_id" INT NOT NULL REFERENCES "projects" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_cron_runs_project_179b7e" UNIQUE ("project_id", "path", "schedule", "scheduled_for")
);
CREATE INDEX IF NOT EXISTS "idx_cron_runs_project_3f4c53" ON "cron_runs" ("project_id", "created_at");
COMMENT ON TABLE "cron_runs" IS 'One request made (or being made) for a cron: scheduled, or started by hand.';
        CREATE TABLE IF NOT EXISTS "deployment_crons" (
    "id" SERIAL NOT NULL PRIMARY KEY,
    "path" VARCHAR(512) NOT NULL,
    "schedule" VARCHAR(256) NOT NULL,
    "deployment_id" VARCHAR(16) NOT NULL REFERENCES "deployments" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_deployment__deploym_7b1c20" UNIQUE ("deployment_id", "path", "schedule")
);
COMMENT ON TABLE "deployment_crons" IS 'One ``crons`` entry of one deployment''s ``vercel.json``.';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        DROP TABLE IF EXISTS "cron_runs";
        DROP TABLE IF EXISTS "deployment_crons";"""


MODELS_STATE = (
    "eJztXe1z2jga/1c0fNl2hmZaUtouvbkZktCW2wRyhGzvdrkxBgvQxUisX5Kye/3fT5Jt8H"
    "tsg8Go+rLb2Hpk83sk+Xl//qotiQZ186ytI9WstcBfNawuIf1H8EYd1NTVanuZXbDUic5H"
    "qmwIdAZNTMtQpxa9PFN1E9JLGjSnBlpZiGB6Fdu6zi6SKR2I8Hx7ycboDxsqFplDawENeu"
    "P3/9DLCGvwGzS9P1cPygxBXQu8KtLYs/l1xVqv+LUutj7xgexpE2VKdHuJt4NXa2tB8GY0"
    "wha7OocYGqoF2fSWYbPXZ2/n/lDvFzlvuh3ivKKPRoMz1dYt38+dKNtrNUXp9YfKXWeoKL"
    "UcAE0JZuDSV3UYNWev8Krx5u37tx/O3739QIfw19xcef/defQWGIeQw9Mb1r7z+6qlOiM4"
    "xltQF8S0+L8j0F4uVCMeWz9NCGH66mGEPTyrC/FS/aboEM+tBcO1eZ4C6K/tweWX9uAFHf"
    "WSPZLQbeBsj557q+HcY6hvUX6gvywe4Q62lxzlLn0nFU9hBG2Pdj9Iexe2UG93cHGsa7eD"
    "/tX95bDb77XAyiCaPWV3Rviqc3vd//dNpzdsAQ2udLJeQmyN8MWg3bv80gITg/7mxQjf3l"
    "9fK4POP+87d3Tkir7AKwPSNzbp2Mv7u2H/pgWmtmmRZa0AT9+8y8DSN+8SOcpuBRnqvHee"
    "TbOlKMRId0OUzMeie+b16yx75vXr5D3D7gUhnhqQwaGoVhTmK3rHQksYD3WQMgS35pKeef"
    "+ozi7Kjj79gVof62t3YaSAP+ze0C3Vvrllj1ua5h86x6897LA7DX51Hbr6IrwTNpOAr93h"
    "F8D+BL/1ex0OL/0YzA3+xO244W819k6qbREFkydF1XyHunfVQy3AdXulFeR6kFJyvSpc9z"
    "Dysd19+y3Xt58GJU7KSz5VI4TiHa77/3jRD/R/4TQe6kSBOkj0vGB9ChtqD7I101ZmD7Gi"
    "tYtYFONPxIBojn+B64jkF8LV1c5utzOdGMTfvWXkXd3uNkN92ih5odVFEaC/G1rO5m/fXb"
    "avOrWEA2MP8F4FJjutsyIrwJGDMoAxfQvQoyJ4ja/niTp9eFINTQksbHaHNEjoymZs9Nay"
    "sQxfUbE65xixH8Ne3TM/YFVfW2hqdh4h/wlRA0VwRD3VUuGNVSAbXDGTxQWa/yhWi58bjf"
    "Pz943X5+8+NN++f9/88HpzxEZvpZ21F93P7LgNfOGet21w7jswxooUz+vewRkqrYFvlOeN"
    "3twZDPqDFoCGQYwRvukMB93LFlhCyrppNbTolWrl0qG98YdjRK12EBmPqr8ZNehUFTqiQ9"
    "NlbdkmRVCL2QKJp1CIqpCsV7HP5H7MqFtgqeqzok+gXwWqSypLM0YK0YmagG8ccQjkGaM+"
    "PZhTMLzq319cd8DtoHPZvev2e0EdlN9kl+gF5Mgkg077OoS6bUJDoRJEnNSXfGoEqYQ7O5"
    "qZjo5mysnRjDG+ERtbxjoPzD4S8ZTwRpbTOfloDsPLNj49ZZervEauAKGANq7TtWlFTZlH"
    "NmpVjbVlCJMp1pfjWQiqBvx+TAQbM8yRLQQDouv2qpZmInCH1LPZCAw+OpuRoHYLjVeura"
    "oOVvSPBbENoM7puTGnK8IEZAasBQRQm8OfTKBOp9A0gU7mZ2GNa8epYowSv/stjsHlP7Gn"
    "D9Cq/UfaLU7BbuFyK6dosKWSckGl5QLXQBOjMybuLz/J4Vwvr8vdZXtTxrmFKw+cWwIJZh"
    "jMyZp+exQzVm5K+wQE6YTB9SCfgi36j8hEVr7F7CcRBva9LWf1ca5s7G057XQxtAXNdJWC"
    "uGQj3ernZmHEY2gl4s8iLqNnZPTMabpUZPSMjJ45BYArHj2zQkPyAHEtzijm3aunWsNWSL"
    "HYsIxmsDbgo8GMGNxGdXndBSrWQPu2+xEQrK8BskxgLtRG8x1A9F9UQIUaeOE8A6gGBPTO"
    "qwmygEHpyPJl1D5W0jNkAlK1EpDyJh/tN/Ho2N/QoKzSyOLJpaOSpZVGxJPLt4OyUM1ckT"
    "ZBKuGSvN69zQD0u7eJOLNbYakQztC3PBBvKURcynsXu2U6UDL0p5kYkiUdSFdNS7HNQnwP"
    "0+6B89UUX6vO6ExeEfhtheh0BfgcpJRcrjKXeSxeLjnaRyHNJs+bTRhce1Dq791pTgzcrP"
    "q8b1FVKsjF1pCVnAKzvVtPVebZuDypL7U+hmC6UPEcAqpsm3SlvEK4Dp4MZFlUA7cWBrHn"
    "C9Ca2XjaGrMNTtfP9IHibMAzCuUjmkLzjD/3zID0qjaO6vNlPeR5hf73msrLEbDRiMcF+U"
    "RCOtZ/39s/4REWVHnpAbpo/iPDZioZNrNlYlYVbEshoAq2fx3XUg26x1ISqhJsCUEy4QLw"
    "z7MEh58nR4efR8PDHcTyOfMCRMKBvP/VzM6RKL7/uOv3Epyl7viwgoGmFvgf0JFZmjRa+x"
    "v7JjL8wMRGuoWwecYe+/eyoE+BmuETUDY8iF/ctP8VRv/yun8R1iLYBBchVqCYPIjkhY7i"
    "kh/kCo+ucGkyS4ZeXJMZFWpIjAqYKgU5BMJtqUYzy56io1JquUWlIO4ayeu2ClIJh3Qprq"
    "vEEJA0p8qGRDiM337IAPHbD4kIs1uhWF84o8p1HiFoS7GTGHQ6FtZS5B11ZsVZ6ZJh3xBI"
    "1Iujzkw4+WzPPgpZBCEaW314Y76AgKbY8j2b4462/KE7zWlhm9WU79ujzwc+HtY7cqKIJj"
    "lHjh3meEkwprId1H4jGNZiHCTBAfU0H4mGTeVPOip7vCNdZj+Z4Kp3BxgdsBaqBdpUD7tj"
    "TgrXsWFuvBgqH0ml0UekQQOsdHuOcGyM4z7mHeERHo8pY2doPh6DBaFwgic2Ewuc9EbTx4"
    "zHDtZ0kGo+QI0HV75AdLSKtRGmar8GsYUoCC/pAMBeyISqTgeyDyogEyZcfwTIAhg+0ufr"
    "UH3kb8fGGfRKcm6yd5ixX+noQTtlI/8oPpXS4i69VZFTu9rQCOgx2b+CtV3sOVAOEAkIcy"
    "kV9p3DT3FOqyjaQ/gt4byIEAqBeJo9s/OvYbputTFnXvd7n73hYYVLmpqlqfnwGnXlmCuS"
    "Blg1cPemAibrKz53MFnSR8SkK1+4hJ9+GUBdTQgY8XLh+CTiqIbfS9XnDIIHdmzWmnernq"
    "bDTekgxbCz5qyx+DO3jgpYqhoEL6juM4EUFv7nS64LqYDN2gLmdAE1m0oEdR6sZqkGZSWY"
    "rAHVx7T42LY9ze3ocpsxCqWk2hpylKz74SVYImxbkM62GQMoCPRpOsFzOoyAFz2muPFHjj"
    "C7F3rGy49UEfQVeWXaINboNc02+AJXllxDNCDgM9lUJdRHmL2Ais0nqvdNyRKadUrBK6nQ"
    "saa6Zhrnmr0lJXuiyiNmpC8MOGMh+HXAvt4aILaVmIYXqF/llfr1fqT/3xyUiPoYIPeH78"
    "lwvUqG61W/+PPBNKLmmywhZHRUcgnXN5EgMv/OyYqxn0ZAnBvNLGlpdFSK5hlJTAueSjm1"
    "nwixTF+pcvoKlWVsVY/5ahCiQxXH83hLFGLuhFKVtac2Vw7L0Yt+/zrAzItu2Hpwf3PRGb"
    "x4w7m4LWsT9S66QksBk0KQUu6oKu8o2aGgJOe8T5bPAWyISgKbUG0yj4V5QyBCdS1pWK4M"
    "KwQ2LMuKdrKi3Wl+KVKM+bKinaxoVxmAq13RzuHAF0IeajHeAd/demqQFx+nLOjAivWA/F"
    "FMzLJq3Imm3kwMekTmMs9vKQTEuJG1PWNad0ZZmS8D0iVULeCA5Q8MC9MJsayl+l4ZVgis"
    "vkuFUiqUFdN3siiUx9R1lglFv4K66HO6zvIg7e73E2mTUuBjj9/b50UbX3WVUNExhGeGSp"
    "9rTy2b/ulyxP3t5hmGT0pAjS6tHks5BsBk7Yq51xLUqw62l5FDJeKbO3SRAzrUhlpO+Gv/"
    "vO/cd65awKEe4Yv77vVVt/e5xcvsaJQjI3zVub3u/5tfdHjNrw467at/twD7gq9HuDMY9A"
    "ctwP08I3zZ7l12rtm8U4aPKz0e38rr1IcqytUt9QHZujLgI4JPefl6O+hf3V8Ou/1eiyW/"
    "aTbf3SN8O+j82u18ZRf5vIy7v3au+7c3nd6Q8fcR6mTlnbXH5xg/WonhQF2Qb+E5Dsi9bd"
    "xLHubdtHv37esWcKhH+Gvn4ku//0sLPMEJs+SNcPt+2G/xs3qEP3eHyu393ZcWmCPr1co2"
    "F96WVRwqZ9O+WrjGwuMz1SS2MYUpPE2IeAiSHZCNNgVQzXu2Vsa3RZeFYhsxIVvJUPtIxP"
    "MeNjNZspoplqxm1JI1JcslBc1cxBTUS8Y5SCUe1CUUdHMQW0LTpLpEAax9lOLhXcrSPrgh"
    "vNIQl2IHX9EHK272TB57UYhMxqrFVOjh326FylJoFotucsmpGFJZfKp48SlXfsvr7QmRiX"
    "ei7P8jSWxrZVubhZsb8iR6iX2GmsrQgglV2FMKK/uJ5BlT/IzxGSNzqjxRSvFWeyniIbf5"
    "JQvkzwSFiyaPH9y7zA2snhAY595PTcyKI5cpWjlStJ6I8ZBQAjL5rAkQibDqQyasTMfMm5"
    "Rj5k2MFsr8EQoLdFBMSB+vxeT0fKLyesJhE08ewn7G6E8P/RSwr/r3F9cdcDvoXHbvuu4H"
    "dxMnwW8GV/ig076O/aYWhz6BXmKfAXsZPJR85ogbPOT5XguwPUQqM3+rnPm7cacXYHSYVn"
    "K6ypzmYRIFuOynkxyuMocdbbZA614fneRwlTnsxTIVEcaCpJLPVeazExZbhM1BSsnlKnNZ"
    "BujLjiiVBVRmPBwlhV72Rim5N4qv/5eOVBPuWGu4zSYRB+nAWlSxqq8tNDV9bex3QMqbrf"
    "OYrabDqWz5BMwMouv2al+gDfhsgi60QA3p4mD56lULCtKuhdE3AQYMKlG3oE7me8PpmsxF"
    "gukwGZR8caVmUXrLL0smpbJZ+Nmqy4/HnGA8BpTYWAMy4x20thPyDlyP0JhC/ey/JsHjcX"
    "wp+aITxRZVD5ZGitRVl124jtqFSxZBl0XQBSiCfuSCjdVGfD9ZbSlmkeNVv6sa8Pspf1eZ"
    "ihBMCEwVZ1wpMZM040mn2YQZHkvBGtQ4MwBKDXSE4Ue32yfUuBDiqztxxh5AZRYdsZ6grA"
    "9MvHSzt5mzVKoIbg3Ka9kOpprtYJhTiB5Ny1Vev1OAUIZ6VcUPlSXUy7RgDLtTJDN3vJQR"
    "shQasIzY7oFp8HoUBywvYFoasa3aQUDO0t83ub1vpLsv+2hF8U3O+fDGC7F8D53rITUMqW"
    "FUAXgxNAynT2mcarHpYJqiU2xbpcqS2sKYIh2u5u5WHyITriBxKd3qWYmh/JVFglTipc6V"
    "Ul3EgBoyWByMRfJgHSITEOwy1vUGNadBW45TOoZSxsNFAwwfoYFmaOr0aOMVyvMs6nhqAe"
    "Xh/Ve2QKbioJc7yzxEKRPMcySYa5g1ecQzNLeN3MBHiSX2ObH/k2Co5G54GKUU4fN5aIOH"
    "aeqJn9GMlZgDMxzQpocJ9t4mc93XXr/XodBTyhG+7fScOswriJ0yzN27O16qGZkmL9X8qd"
    "3lJZZnKqpMgWUGd+69EiCS26RADRhoWAr8tqLSo1kkOS1KLlOXqpy65MlSBXgdIpV8rjKf"
    "ZfGP5A+ZuB7hjeiYy8QbopKGg6g0LzM+ZYJixTxkuXv8urt8D+BeEozpo6H2mzvfaR0OmX"
    "2QwXOxUi1+O/gRGQQzB+mvqoFcoCP+yLhh9TTnJNwSKI8uRQmuykAPrAe4Zv/zPVqmVRzV"
    "l+kyJKtd3B0uoCG8lGD/R1W3YYGOqmE6IfA+tL3Df8jELvHn7YKhKarMBrF6eUl19gdTZ+"
    "2VVpDrQUrJ9apwPcZ2FUkDl7q21LUrpglWt/3xZ2S1p1Nix7c/9t2tp2l9LDROdQbmyHFb"
    "QcMk+CcTUFJomsAiPM+eTgYW9EgAL1TAo2Re1oEjtQLVAvScsOIT23abLlbJ9IoyMXqpUx"
    "5Vp+QsiJW443H1xldZvC6oVb7NkkjzNjmT5m0klYYKuRqV1ZGqF9ArY4mFgP3gznSppQgm"
    "r0ot5UfkehYt5fC1SivH3HL1k8MW1KwauFk1k6SKmsdXS1wnIYovKRYc8KxyMt2MzaiftI"
    "Grs4Gp56xkCsV4bEB6ECCLGOvxmOoXvGjGRsUYj9n/6I3JmlUR8yiVyTqu1lhJz8hSl8OT"
    "jrdPylmZQ+ozUp+prj7jW9Y5IA5SCQh0KT04pdIimvgqlZYfketZlBa/tJFPeYmhlHGiFY"
    "4TPXnZK0Uz9K/Fw2mIFVu5WRXEmI27h0DGDG7EPoZDQv9TvhPxqGu9NBfiTvp3Fz8iS01S"
    "vn1362maN9qMk9VqTu8Erador3CpIj2PbrUhEFCtajSz1Dugo1KiPCMVDwySVDb7+QhDj7"
    "bKWNf6X3udQQuQJ/o2I9y+uun2WkDVlgiP8E2HZcm3wBIuJ+wuizVkf7NQQ+dje/yQQh5L"
    "oCxUM1cRoSCVcOWa9l/5Q5oXkqE/TUUzi3mBhfCsirE9RCrTjKtjT4jymUuIBcwJETppTI"
    "gaEyyoLvPB6qOQLubnDQlWbIXn3AaEoTvNiYGbVXP1Larns0y3G1taZp7BNXIGVirB1LPH"
    "xJgPfKaaZNuBa+8o33Dw+2Yb+zwT0hl+UHNC3qq3wpa73b8rnEW/2EYuW42PRISSWAfwge"
    "cvJrxjIeFCskDNqy1+AJNYGbWEZwb9xxMxHvIAHSASbznv/8Dg/aEogEv6ac/V6SFCKB7a"
    "b15nWtdsWLIl8XV0ZSMmyup6EdRjSCXuWXEntrWyLcWpfZ0zWiyOVjzkS/lc0hVrWEUWe4"
    "RQPMDLWuoafCyCeIhM4p0Vb4OQggdLlPKAIuJhxMNSThVMNMhqvZtuXEJmZTJEJ94aP8/S"
    "2vk8ubPzeaSx88ogj0iLS7BJaZ7tozngitbJVNUPs6z3L4xva+7kVeKjlOKt61KOEe6vct"
    "qHKRAzGPJ2PkiY4YDtDzwD1sl2P3iCkwUhD4oJpwa0CiSlJ04gwi44dF46RZAl+FPYHmBc"
    "y9iUtkJhQumnjS52E1oWfV5Mo4l/3PV7CZqQjyYc4oCmFvgf0JFZmsu29reZjfnHhbcTp2"
    "9inrHH/r2s72wKngyj9BUfXtz1YBwDmyC84unX03LyRZXthzT+8/t8OF7iZKfUE6R9d/e1"
    "P7hqgZVqmk/E0EZ42Gnf0M3pes+OH5EXwJmXJdwLxzYzSXaVxi73JXOHU6bNIcKXPhxo3M"
    "wUaNxMCTRuprBhsmYgFpC20uYQgQ2yEFBlWCFw0KvMqRWN61lyamWU5r71qcOXVqrY50qG"
    "vVYgPDNX2Othi1VVbLnuWqsqS6irz76rI9WEMcaWC5fw0y8DqKsJOroLdJtNItDiDVrAsa"
    "qvLTQ1FYPour3aFStvugGfTVTUpgb96YaNd0Trkk4zsLGoKLluEWab3xGoKz7TFzqR2Fix"
    "Jhp7gcrrxiEkVITFtu4KE/ECZEWEKLEzV3HAErqDiYge+xLSSRSDSh27iw8DZ7aBM5lImO"
    "VKKQpmKUwD9TzjwfWKwjwPcaRAqBgy8fecaVihlRaTjRVdi8lJWXG7IFuvB5cSuJSAzIDq"
    "lT+tg5lBlrzK6dY/BrZfP1YUVQUYPrF+DvG9H/Y3/QiP8HhMFa05NMdjgEx6j7lS2ZTj8V"
    "+j2goaU0o1oo9+8+rnn+tgVDMh5ZNmsksznajM+9qjc32n9C/YP1ojzJ7OJwVPKrJMMCMG"
    "oDgb5FHVX34E6syCBn9FXWXPoj+J/cFeyveiyBxhSrIkdBWfgc4jNNZgulAxnZW/J3sLxH"
    "6dqgPHJMiqx/JfY0H6MirWgPvbxuP6CJsEWE8EsOwIaJj0aXRGMCHWAqjaI9M0AXvLCTHo"
    "oxO7ZMg6PEdMnGMrW9EC4l32xJgIaZXrxRQN7y2h7ktBwCOEEu4McDsncRTnlNCYDUU1Am"
    "PY84QJjOHg5jjIN+MP56l4XemzPAClVbjE14b4gEEpho0xAygfvrXBfa/X7X1uAZd+hNtf"
    "290hvaS0b28H/V/b1y2gMrGIiZaeUDTCl/2b2+vOsHPVooLNcsWsvRqlvegP+DUulzghBr"
    "njKDLVa0sp1xapUsWmh4ZBDMWIZeonJhbG75AoaYilXKQ8wS9DCsZX/fuL6w64HXQuu3dd"
    "95jaOGX5TXZpGyE86LSvYyBf/dxUljEfh8TjKEgkfX3RU2mmIt02oDKxNSrj54A2Siid0z"
    "H4GlQ/jbNwJAdXbSlkKFX+UKon1Zou8iUq+UhEQLzsXDAHLk2xsRVXEzY9cilCLOv1VSdW"
    "KRqixhOwC4WoBSlliFpV2J4lMJErccpOvI/QC7gCToTjmTb6DGFkLgpxO0QqD/Qq87kyDU"
    "eOfXqXGzKZ2OUid4jfDn0uqrFt9t/p4mA1LXnEaowL1YtkTXacsmBQ2QNDLN/bcYtWHvu8"
    "DLp9Gplq6DRSSug0olWidHueB19vvCwKGsI2WlYEmcoKGiYLFIginFrbIkR5wJoWmysnW9"
    "TCzZL0UorjYsjSoI8jl/jnwF9mVSYfOOIaL3iDoXz6jZ9EajfPazccrz3oNhnTl6qGblbF"
    "xr+sAmrNgK7xQfdymDGBydaQpcDH3fMC2mymzmO2vIBqGmGeSQvApvInwbuGa196PTB/c8"
    "tyCLJAgzJhsFljcbSC3SFFhMrfm6I4TuJZcgIgTXQy2REhZle5oNOICpHT3nAPIN3wiUSC"
    "qWwzHl9WCaY8b8mlm/OUzQJ/PgOiDUyLCkMamCEdApUXYQJLdQ1sE7YAsoC90omq0QHIqr"
    "Oge5YAQGaAZQr4sgABq6JnerH4gSSIvT+B5UEMedICnZYO0egEaEpXlgnUqUFMkz/CrIOJ"
    "bQGqH1FJAmiE3sWE/c0HLOCy5b7LCLOXIVTDcB8HJmvAKjWBp4XK0gvYH2ABDYqeScADle"
    "ZZPodKZ1uwzAg6xU8mJxjhOUv1Y89Z0CFngL8l+pO9mKbR38nyOVjyhEvDfgDLu/jDJpb6"
    "Ecyn7m+kQ0bYIE/012I6CK7AE7Lc1/GR+8ExLaTrwIAz9kYkKSFi21DIXKiN5junmVBRM+"
    "0Fmv8oltqfG43z8/eN1+fvPjTfvn/f/PB6o6dEb6UpLBfdz0xnqfs1zuftuS63IhxIsThu"
    "KAS06e6/lSvbpPkWuEchkhJ+kFXuj91gn4VCQRs+QgFNXidi4srkxZc1pGTJowoYuJ4teX"
    "Q8t72rISVI/Fv96RmZ36ex7deT7+tCyYygO4mMP4q8WJpn3yB64cQsj7bKEmGt/7XXGbQA"
    "N0iPcPvqptujipq2RFTpu+kwd1oLOEt9hH/tdr6yv5nP0dkjx08K/S9BuJBQEyAUUKgR2I"
    "8nZZzTr5MpIqJSaixbajxeocxThTSpUuaRBXGOeowI7nEjWfhmP0jGz4olZcOlGpcvmGxu"
    "3RAIF+HZaGaqSNBMKUnQjJhbqx+ffKBuk6VEJ6uPdF0bebvyBanEyy4upSNf8e4wP0BLmE"
    "yAN1IAb0QBnyNrYU9iVYM0b02AbC+1Narw/Tu0v8aebN5WsVBS5YIMFYLiJjrg2T4zYO4W"
    "Vp8GnQ6djFKO8O2g32IFG0e40xt2BreD7h29B7EFjZWBnEqVx7dEIVOh0ih6jHNsPpNHsa"
    "WTnUFlEL80/oWNfxHDSqbg6BWiGt4D3DWItb1CQzbNCS6DTKGHMog8M1THKcN/ikixKt7q"
    "dErsnaH6jKy2M5GoG9CA9IhEFjHWvsLnu6MmZM3zYLNkbCnHyVU4RbgOnapwihgxNzjFxS"
    "vRsFsovqjnlRv5skC7toMSM18heESZ5u5HE3OK3DkziQRU2f4lD7IEN5MP0XRvk+LnYqYM"
    "DzSnx8grhMGEZRVA4yNPI5gS8oDo/1TDQCxFwR0HDBVrZAke4LrupW4wKyXUYnM79jm39I"
    "NVyw9G2ZTbsu2nEc4btv/Mg6lpzByzQB6Qg1RVDuirDND85KSHc77OGEEq4fyP55l8NOcp"
    "PprzqI8GrfIg7IwWDtkSTgppXv5BzMt+rrOmW1Tgg7gA38O0kvOnxHn4bYXobAX4HqQUkO"
    "snwmUPk1Q2y1DnkkOdZVzuCcflfoUT1pD7CuqI9ZSsxdhOwkPqafaTJ2cw+4FsNMraKNSb"
    "HSDNBKrOvjqsSATWdKjxshAqMKA7KdQA9166BRpMQOjCitpO9jNlbMIe61OFNDclyn0MY6"
    "7M3TumNcXPlcxxgj4aAdX8/Uc9+Zd7DpxDZCJC3chSq5eOSgk1jlTrNeAUUtyKKKUhUgGl"
    "VMF0kxxBT2VKBG361Z4u4gQB907q91/djpHpOqJ8WOnB7XnOsp73PhIBz/pGs5kpaaeZkr"
    "TTjKSVrHLZdd3hAqL7JpPR/E2K0fxN1GhOn2jF+iaSu0n7SA7fTvo41p29NY4+6sfs+/8B"
    "+5XiSQ=="
)
