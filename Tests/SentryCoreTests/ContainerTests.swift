import Testing
@testable import SentryCore

@Suite("Container IDs from /proc/<pid>/cgroup")
struct ContainerTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var line: String
        var id: String
        var runtime: ContainerRuntime
        var podUID: String? = nil
        var testDescription: String { "\(runtime): \(line.suffix(60))" }
    }

    // Real lines from the test suites of process-exporter, neuvector, htop, Falco, OpenTelemetry
    // and Pixie (see shared/notes/peers.md §4.5).
    static let positives: [Case] = [
        Case(
            line: "0::/system.slice/docker-8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3.scope",
            id: "8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3", runtime: .docker),
        Case(
            line: "10:devices:/system.slice/docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope",
            id: "9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d", runtime: .docker),
        Case(
            line: "4:memory:/4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970",
            id: "4f797c539e6c745de61a93ca3ff892358ecbcaccd8414d5db545c38428142970", runtime: .unknown),
        Case(
            line: "0::/docker/ff90ed5efd657539ce42198e0d61661d62f2a5d8de9439e2aeb046fb1ef4e0af",
            id: "ff90ed5efd657539ce42198e0d61661d62f2a5d8de9439e2aeb046fb1ef4e0af", runtime: .docker),
        Case(
            line: "12:rdma:/docker/ff90ed5efd657539ce42198e0d61661d62f2a5d8de9439e2aeb046fb1ef4e0af",
            id: "ff90ed5efd657539ce42198e0d61661d62f2a5d8de9439e2aeb046fb1ef4e0af", runtime: .docker),
        Case(
            line: "0::/docker.slice/docker-7951fb549ab99e0722a949b6c121634e1f3a36b5bacbe5392991e3b12251e6b8.scope",
            id: "7951fb549ab99e0722a949b6c121634e1f3a36b5bacbe5392991e3b12251e6b8", runtime: .docker),
        Case(
            line: "11:perf_event:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4415fd05_2c0f_4533_909b_f2180dca8d7c.slice/cri-containerd-713a77a26fe2a38ebebd5709604a048c3d380db1eb16aa43aca0b2499e54733c.scope",
            id: "713a77a26fe2a38ebebd5709604a048c3d380db1eb16aa43aca0b2499e54733c", runtime: .containerd,
            podUID: "4415fd05-2c0f-4533-909b-f2180dca8d7c"),
        Case(
            line: "11:devices:/system.slice/containerd.service/kubepods-pod87a18a64_b74a_454a_b10b_a4a36059d0a3.slice:cri-containerd:05c48c82caff3be3d7f1e896981dd410e81487538936914f32b624d168de9db0",
            id: "05c48c82caff3be3d7f1e896981dd410e81487538936914f32b624d168de9db0", runtime: .containerd,
            podUID: "87a18a64-b74a-454a-b10b-a4a36059d0a3"),
        Case(
            line: "0::/kubepods/besteffort/podac04f3f2-1f2c-11e9-b015-1ebee232acfa/605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22",
            id: "605439acbd4fb18c145069289094b17f17e0cfa938f78012d4960bc797305f22", runtime: .kubernetes,
            podUID: "ac04f3f2-1f2c-11e9-b015-1ebee232acfa"),
        Case(
            line: "0::/kubepods/besteffort/pod63b3ebfc-2890-11e9-8154-16bf8ef8d9dc/crio-73bfe475650de66df8e2affdc98d440dcbe84f8df83b6f75a68a82eb7026136a",
            id: "73bfe475650de66df8e2affdc98d440dcbe84f8df83b6f75a68a82eb7026136a", runtime: .crio,
            podUID: "63b3ebfc-2890-11e9-8154-16bf8ef8d9dc"),
        Case(
            line: "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod63b3ebfc_2890_11e9_8154_16bf8ef8d9dc.slice/crio-17d8c9eacc629f9945f304d89e9708c0c619649a484a215b240628319548a09f.scope",
            id: "17d8c9eacc629f9945f304d89e9708c0c619649a484a215b240628319548a09f", runtime: .crio,
            podUID: "63b3ebfc-2890-11e9-8154-16bf8ef8d9dc"),
        Case(
            line: "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod9b7969b2_aad0_47d4_b11c_4acfd1ce018e.slice/crio-9b9ccc15d288aa0f7d3bf7b583993921bf261edfeff3467765ab81e687c6a889.scope",
            id: "9b9ccc15d288aa0f7d3bf7b583993921bf261edfeff3467765ab81e687c6a889", runtime: .crio,
            podUID: "9b7969b2-aad0-47d4-b11c-4acfd1ce018e"),
        Case(
            line: "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5a1d1140_a486_478c_afae_bbc975ff9c3b.slice/docker-2b41fe4bb7a365960f1e7ed6c09651252b29387b44c9e14ad17e3bc392e7c640.scope",
            id: "2b41fe4bb7a365960f1e7ed6c09651252b29387b44c9e14ad17e3bc392e7c640", runtime: .docker,
            podUID: "5a1d1140-a486-478c-afae-bbc975ff9c3b"),
        Case(
            line: "0::/kubepods.slice/kubepods-pod8dbc5577_d0e2_4706_8787_57d52c03ddf2.slice/docker-b9055cee13e1f37ecb63030593b27f4adc43cbd6629aa7781ffdf53fbaecfa46.scope",
            id: "b9055cee13e1f37ecb63030593b27f4adc43cbd6629aa7781ffdf53fbaecfa46", runtime: .docker,
            podUID: "8dbc5577-d0e2-4706-8787-57d52c03ddf2"),
        Case(
            line: "0::/kubepods/burstable/podc458de04-9784-4f7a-990e-cefe26b511f0/01aa0bfe91e8a58da5f1f4db469fa999fe9263c702111e611445cde2b9cb0c1a",
            id: "01aa0bfe91e8a58da5f1f4db469fa999fe9263c702111e611445cde2b9cb0c1a", runtime: .kubernetes,
            podUID: "c458de04-9784-4f7a-990e-cefe26b511f0"),
        Case(
            line: "0::/user.slice/user-1001.slice/user@1001.service/user.slice/libpod-6e341326175b101ba7ed53a8dd6654dd25398ece17cb61b1d151e123e7e479e1.scope/container",
            id: "6e341326175b101ba7ed53a8dd6654dd25398ece17cb61b1d151e123e7e479e1", runtime: .podman),
        Case(
            line: "0::/machine.slice/libpod-6e341326175b101ba7ed53a8dd6654dd25398ece17cb61b1d151e123e7e479e1.scope",
            id: "6e341326175b101ba7ed53a8dd6654dd25398ece17cb61b1d151e123e7e479e1", runtime: .podman),
        Case(
            line: "13:name=systemd:/podruntime/docker/kubepods/crio-dc679f8a8319c8cf7d38e1adf263bc08d234f0749ea715fb6ca3bb259db69956.stuff",
            id: "dc679f8a8319c8cf7d38e1adf263bc08d234f0749ea715fb6ca3bb259db69956", runtime: .crio),
        Case(
            line: "13:name=systemd:/pod/d86d75589bf6cc254f3e2cc29debdf85dde404998aa128997a819ff991827356",
            id: "d86d75589bf6cc254f3e2cc29debdf85dde404998aa128997a819ff991827356", runtime: .unknown),
        // A reader in a private cgroup namespace sees ../ before the path.
        Case(
            line: "0::/../../system.slice/docker-8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3.scope",
            id: "8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3", runtime: .docker),
    ]

    @Test("recognises every runtime's path", arguments: positives)
    func positive(_ example: Case) throws {
        let container = try #require(Container(cgroupFile: example.line + "\n"))
        #expect(container.id == example.id)
        #expect(container.runtime == example.runtime)
        #expect(container.podUID == example.podUID)
        #expect(container.shortID == example.id.prefix(12))
    }

    @Test(
        "host processes and look-alikes have no container",
        arguments: [
            "1:name=systemd:/user.slice/user-1000.slice/session-4.scope",
            "13:name=systemd:/podruntime/docker/kubepods/ac679f8a8319c8cf7d38e1adf263bc08d23zzzz",
            "0::/", "0::/init.scope", "0::/system.slice/sshd.service",
            "4:memory:/process_api/53baccfe4263f61c4153607f78457658",
            "0::/machine.slice/libpod-conmon-6e341326175b101ba7ed53a8dd6654dd25398ece17cb61b1d151e123e7e479e1.scope",
            "0::/kubepods.slice/crio-conmon-17d8c9eacc629f9945f304d89e9708c0c619649a484a215b240628319548a09f.scope",
            "0::/system.slice/var-lib-docker-containers-8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3.mount",
            "0::/docker/8DDE0B0D6E919BAEF8D635CD9399B22639ED1E400EAEC1B1CB94FF3B216CF3C3",
            "", "garbage", "0:/docker/8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3",
        ])
    func negative(line: String) {
        #expect(Container(cgroupFile: line + "\n") == nil)
    }

    @Test("prefers the cgroup v2 line, then v1 lines in order")
    func lineOrder() throws {
        let hybrid = """
            12:rdma:/
            10:devices:/system.slice/docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope
            0::/system.slice/docker-8dde0b0d6e919baef8d635cd9399b22639ed1e400eaec1b1cb94ff3b216cf3c3.scope

            """
        #expect(try #require(Container(cgroupFile: hybrid)).id.hasPrefix("8dde0b0d"))
        let v1Only = "12:rdma:/\n0::/\n10:devices:/docker/9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d\n"
        #expect(try #require(Container(cgroupFile: v1Only)).id.hasPrefix("9ec39b91"))
    }
}

extension Container {
    init?(cgroupFile text: String) {
        guard let container = parse(text, { Container(cgroupFile: $0) }) else { return nil }
        self = container
    }
}
